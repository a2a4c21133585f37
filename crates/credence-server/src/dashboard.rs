//! The dashboard: a small browser app over the `/v1` API, compiled into the binary.
//!
//! [`router`] serves `GET /` (the app shell, `index.html`), `GET /login` (the sign-in
//! form, which posts to the API's `POST /login`) and `GET /assets/{*path}` (the app's
//! script and style sheet, and the vendored uPlot files). Every file is embedded with
//! `include_bytes!`, so the binary needs no files beside it and the browser fetches
//! nothing from elsewhere. The sources are in `crates/credence-server/assets/dashboard/`
//! (vanilla ES modules, no build step) and `crates/credence-server/assets/uplot/`; what each
//! page shows is in `docs/dashboard.md`.
//!
//! Caching: every response carries a strong `ETag` (a hash of the embedded bytes) with
//! `Cache-Control: no-cache`, so a browser revalidates and gets `304 Not Modified` until
//! the binary changes — the file names are not fingerprinted, so nothing may be cached
//! blindly. The HTML pages carry a `Content-Security-Policy` that allows scripts, styles
//! and requests to this origin only (no inline script): the app's code is in files.
//!
//! The router holds no state and no authentication: the pages themselves are public,
//! the data behind them is not — the app calls the API with the session cookie, and a
//! `401` sends it to `/login`.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// One embedded file: its bytes, its media type and its entity tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asset {
    /// The file's bytes as compiled in.
    pub body: &'static [u8],
    /// The `Content-Type` it is served with.
    pub content_type: &'static str,
    /// A strong entity tag (quoted), derived from the bytes.
    pub etag: &'static str,
}

/// 64-bit FNV-1a, at compile time: enough to tell two versions of a file apart.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// `"` + 16 lowercase hex digits + `"`, at compile time.
const fn etag_of(bytes: &[u8]) -> [u8; 18] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hash = fnv1a(bytes);
    let mut out = [b'"'; 18];
    let mut i = 0;
    while i < 16 {
        out[1 + i] = HEX[((hash >> (60 - 4 * i)) & 0xf) as usize];
        i += 1;
    }
    out
}

/// Declares an embedded file: `embed!("path from crates/credence-server/src", "type")`.
macro_rules! embed {
    ($file:literal, $type:expr) => {{
        const BODY: &[u8] = include_bytes!($file);
        const TAG: [u8; 18] = etag_of(BODY);
        Asset {
            body: BODY,
            content_type: $type,
            // The tag is ASCII by construction; the fallback is never taken.
            etag: match std::str::from_utf8(&TAG) {
                Ok(s) => s,
                Err(_) => "\"0\"",
            },
        }
    }};
}

/// The vendored uPlot (MIT), which the dashboard serves and the CLI's HTML report
/// (`credence report --html`) inlines.
pub const UPLOT_JS: &str = include_str!("../assets/uplot/uPlot.iife.min.js");
/// uPlot's style sheet.
pub const UPLOT_CSS: &str = include_str!("../assets/uplot/uPlot.min.css");

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const HTML: &str = "text/html; charset=utf-8";

/// The app shell (`GET /`).
pub const INDEX: Asset = embed!("../assets/dashboard/index.html", HTML);
/// The sign-in page (`GET /login`).
pub const LOGIN: Asset = embed!("../assets/dashboard/login.html", HTML);

/// Files under `/assets/`, by path below it. Anything else is a 404.
const ASSETS: &[(&str, Asset)] = &[
    ("app.js", embed!("../assets/dashboard/app.js", JS)),
    ("login.js", embed!("../assets/dashboard/login.js", JS)),
    ("style.css", embed!("../assets/dashboard/style.css", CSS)),
    (
        "uplot/uPlot.iife.min.js",
        embed!("../assets/uplot/uPlot.iife.min.js", JS),
    ),
    (
        "uplot/uPlot.min.css",
        embed!("../assets/uplot/uPlot.min.css", CSS),
    ),
];

/// The policy of the HTML pages: this origin only, no inline script or style element,
/// no framing. `data:` images allow the empty favicon; uPlot draws on a canvas and sets
/// sizes through the CSSOM, which `style-src` does not restrict.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The embedded file at `path` below `/assets/`, if there is one. Exact names only: no
/// directory listing, no `..`, no index files.
pub fn asset(path: &str) -> Option<Asset> {
    ASSETS
        .iter()
        .find(|(name, _)| *name == path)
        .map(|(_, asset)| *asset)
}

/// The dashboard's routes, to merge into the API's router: `GET /`, `GET /login`,
/// `GET /assets/{*path}`. Stateless, so it fits a router of any state `S`.
pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/", get(|h: HeaderMap| async move { page(&INDEX, &h) }))
        .route(
            "/login",
            get(|h: HeaderMap| async move { page(&LOGIN, &h) }),
        )
        .route("/assets/{*path}", get(serve_asset))
}

async fn serve_asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    match asset(&path) {
        Some(a) => respond(&a, &headers, false),
        // The API's error shape (`{"error":{"code","status","message"}}`).
        None => {
            super::error::ApiError::not_found(format!("no dashboard file `{path}`")).into_response()
        }
    }
}

fn page(a: &Asset, headers: &HeaderMap) -> Response {
    respond(a, headers, true)
}

/// The file, or `304` when the browser already holds this version.
fn respond(a: &Asset, request: &HeaderMap, html: bool) -> Response {
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| etag_matches(v, a.etag));
    let mut headers = HeaderMap::new();
    headers.insert(header::ETAG, HeaderValue::from_static(a.etag));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if html {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
    }
    if fresh {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(a.content_type),
    );
    (StatusCode::OK, headers, a.body).into_response()
}

/// Whether an `If-None-Match` value names `etag` (a list, `*`, or weak forms).
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_files_are_found_with_their_types() {
        let app = asset("app.js").expect("app.js");
        assert_eq!(app.content_type, JS);
        assert!(
            std::str::from_utf8(app.body)
                .expect("utf-8")
                .contains("function route")
        );
        assert_eq!(asset("style.css").expect("css").content_type, CSS);
        assert_eq!(asset("login.js").expect("login.js").content_type, JS);
        let uplot = asset("uplot/uPlot.iife.min.js").expect("uPlot");
        assert!(uplot.body.len() > 10_000);
        assert_eq!(uplot.content_type, JS);
        assert_eq!(
            asset("uplot/uPlot.min.css")
                .expect("uPlot css")
                .content_type,
            CSS
        );
        assert_eq!(INDEX.content_type, HTML);
        assert_eq!(LOGIN.content_type, HTML);
    }

    #[test]
    fn unknown_and_sneaky_paths_are_not_found() {
        for path in [
            "",
            "/",
            "nope.js",
            "APP.JS",
            "app.js/",
            "../app.js",
            "./app.js",
            "uplot",
            "uplot/",
            "uplot/LICENSE",
            "uplot/../app.js",
            "index.html",
            "../../src/main.rs",
        ] {
            assert_eq!(asset(path), None, "{path:?}");
        }
    }

    #[test]
    fn the_pages_load_their_scripts_from_files_only() {
        for page in [INDEX, LOGIN] {
            let html = std::str::from_utf8(page.body).expect("utf-8");
            // Every <script> has a src (no inline code: the policy forbids it) that the
            // router serves.
            for tag in html.split("<script").skip(1) {
                let src = tag
                    .split("src=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .expect("script with src");
                let path = src.strip_prefix("/assets/").expect("under /assets/");
                assert!(asset(path).is_some(), "{src} is not embedded");
                assert!(tag.contains("</script>"), "{src}");
                assert!(
                    tag.split('>')
                        .nth(1)
                        .is_some_and(|body| body.starts_with("</script")),
                    "inline code in {src}"
                );
            }
            for href in html.split("href=\"/assets/").skip(1) {
                let path = href.split('"').next().unwrap_or_default();
                assert!(asset(path).is_some(), "{path} is not embedded");
            }
        }
    }

    #[test]
    fn etags_differ_between_files_and_are_quoted() {
        let tags: Vec<&str> = ASSETS.iter().map(|(_, a)| a.etag).collect();
        for (i, t) in tags.iter().enumerate() {
            assert_eq!(t.len(), 18);
            assert!(t.starts_with('"') && t.ends_with('"'));
            assert!(!tags[i + 1..].contains(t), "{t} repeated");
        }
        assert_ne!(INDEX.etag, LOGIN.etag);
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn the_router_builds_and_merges_beside_the_api_sign_in() {
        // Route syntax is checked when the router is built; `POST /login` belongs to the
        // API and must merge with the dashboard's `GET /login`.
        let api: Router<()> = Router::new().route("/login", axum::routing::post(|| async { "" }));
        let _app = api.merge(router::<()>());
    }

    #[tokio::test]
    async fn an_unknown_file_is_the_apis_json_404() {
        let r = serve_asset(Path("nope.js".to_string()), HeaderMap::new()).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert!(
            r.headers()[header::CONTENT_TYPE]
                .to_str()
                .expect("ascii")
                .starts_with("application/json")
        );
    }

    #[test]
    fn if_none_match_forms() {
        let tag = INDEX.etag;
        assert!(etag_matches(tag, tag));
        assert!(etag_matches(&format!("W/{tag}"), tag));
        assert!(etag_matches(&format!("\"x\", {tag}"), tag));
        assert!(etag_matches("*", tag));
        assert!(!etag_matches("\"0000000000000000\"", tag));
        assert!(!etag_matches("", tag));
    }

    #[test]
    fn responses_carry_type_cache_and_policy() {
        let r = respond(&INDEX, &HeaderMap::new(), true);
        assert_eq!(r.status(), StatusCode::OK);
        let h = r.headers();
        assert_eq!(h[header::CONTENT_TYPE], HTML);
        assert_eq!(h[header::CACHE_CONTROL], "no-cache");
        assert_eq!(h[header::ETAG], INDEX.etag);
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().expect("ascii");
        assert!(csp.starts_with("default-src 'self'"));
        assert!(!csp.contains("unsafe-inline"));

        let js = asset("app.js").expect("app.js");
        let r = respond(&js, &HeaderMap::new(), false);
        assert_eq!(r.headers()[header::CONTENT_TYPE], JS);
        assert!(r.headers().get(header::CONTENT_SECURITY_POLICY).is_none());

        let mut again = HeaderMap::new();
        again.insert(header::IF_NONE_MATCH, HeaderValue::from_static(js.etag));
        let r = respond(&js, &again, false);
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(r.headers()[header::ETAG], js.etag);
    }
}
