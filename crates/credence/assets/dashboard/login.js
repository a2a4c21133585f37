// Sign-in page: show the server's refusal (`/login?error=1`) and focus the key field.
const params = new URLSearchParams(location.search);
const error = document.getElementById('login-error');
if (params.has('error') && error) error.hidden = false;
document.getElementById('key')?.focus();
