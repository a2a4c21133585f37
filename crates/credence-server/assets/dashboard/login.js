// Sign-in page: show the server's refusal (`/login?error=1`) and focus the key field.
const params = new URLSearchParams(location.search);
const error = document.getElementById('login-error');
const key = document.getElementById('key');
if (params.has('error') && error) {
  error.hidden = false;
  key?.setAttribute('aria-invalid', 'true');
  key?.setAttribute('aria-describedby', 'login-error key-help');
}
key?.focus();
