//! The HTTPS side of `kubesim serve`: accepts connections (HTTP/2 or HTTP/1.1 over
//! TLS), checks the bearer token, limits bodies, and hands each request to the
//! simulation's thread, streaming watches back as their lines come.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::mpsc::Sender;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper::{Request as HttpRequest, Response as HttpResponse, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use super::driver::{Message, Reply};
use super::rest::{self, MAX_BODY_BYTES, Method, Request, Response};

type Body = BoxBody<Bytes, Infallible>;

/// Where kubesim's own verbs (`kubesim ctl`) are served, beside the API.
pub const SHELL_PATH: &str = "/kubesim/v1/shell";

/// Accepts connections until the process ends.
pub async fn serve(listener: TcpListener, tls: Arc<rustls::ServerConfig>, token: String, to_sim: Sender<Message>) {
    let acceptor = TlsAcceptor::from(tls);
    let token = Arc::new(token);
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let acceptor = acceptor.clone();
        let token = token.clone();
        let to_sim = to_sim.clone();
        tokio::spawn(async move {
            // A client that fails the handshake (plain HTTP, a wrong CA) just goes away.
            let Ok(stream) = acceptor.accept(stream).await else { return };
            let service = hyper::service::service_fn(move |req| answer(req, token.clone(), to_sim.clone()));
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn full(bytes: Vec<u8>) -> Body {
    Full::new(Bytes::from(bytes)).boxed()
}

fn respond(response: Response) -> HttpResponse<Body> {
    HttpResponse::builder()
        .status(StatusCode::from_u16(response.code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header("Content-Type", response.content_type)
        .header("Cache-Control", "no-cache, private")
        .body(full(response.body))
        .expect("a response with valid headers")
}

/// A Status failure without details.
fn status(code: u16, reason: &str, message: &str) -> rest::Failure {
    rest::status_failure(code, reason, message, None)
}

fn failure(f: rest::Failure) -> HttpResponse<Body> {
    respond(f.into())
}

/// The simulation stopped: the server is going down.
fn unavailable() -> HttpResponse<Body> {
    failure(status(503, "ServiceUnavailable", "kubesim is shutting down"))
}

async fn answer(
    req: HttpRequest<Incoming>,
    token: Arc<String>,
    to_sim: Sender<Message>,
) -> Result<HttpResponse<Body>, Infallible> {
    let path = req.uri().path().to_string();
    if matches!(path.as_str(), "/healthz" | "/livez" | "/readyz") {
        return Ok(respond(Response::text("ok".into())));
    }
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| t.trim() == token.as_str());
    if !authorized {
        return Ok(failure(status(401, "Unauthorized", "Unauthorized")));
    }
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (method, accept, content_type, user_agent) =
        (Method::parse(req.method().as_str()), header("accept"), header("content-type"), header("user-agent"));
    let query = req.uri().query().map(parse_query).unwrap_or_default();
    let body = match Limited::new(req.into_body(), MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return Ok(failure(rest::too_large(MAX_BODY_BYTES))),
        Err(_) => return Ok(failure(status(400, "BadRequest", "the request body could not be read"))),
    };
    // kubectl's typed clients send protobuf: the simulation (and the record) see JSON.
    let protobuf = content_type.starts_with("application/vnd.kubernetes.protobuf");
    if protobuf && rest::path::parse(&path).is_none() {
        // An API kubesim does not serve (kubectl auth can-i's reviews): 404, not a
        // complaint about the body.
        return Ok(failure(rest::no_such_path()));
    }
    let (body, content_type) = if protobuf {
        match super::protobuf::decode(&body) {
            Ok(json) => (json.to_string(), "application/json".to_string()),
            Err(e) => return Ok(failure(status(400, "BadRequest", &e))),
        }
    } else {
        match String::from_utf8(body.to_vec()) {
            Ok(text) => (text, content_type),
            Err(_) => return Ok(failure(status(400, "BadRequest", "the request body is not UTF-8"))),
        }
    };
    if path == SHELL_PATH {
        if method != Method::Post {
            return Ok(failure(status(405, "MethodNotAllowed", "POST a shell line here")));
        }
        let (tx, rx) = oneshot::channel();
        if to_sim.send(Message::Shell(body, tx)).is_err() {
            return Ok(unavailable());
        }
        return Ok(match rx.await {
            Ok(out) => {
                let code = if out.failed { 422 } else { 200 };
                respond(Response { code, content_type: "text/plain".into(), body: out.text.into_bytes() })
            }
            Err(_) => unavailable(),
        });
    }
    let request = Request { method, path, query, accept, content_type, user_agent, body };
    let (tx, rx) = oneshot::channel();
    if to_sim.send(Message::Api(request, tx)).is_err() {
        return Ok(unavailable());
    }
    Ok(match rx.await {
        Ok(Reply::Done(response)) => respond(response),
        Ok(Reply::Stream(lines, timeout_s)) => stream(lines, timeout_s),
        Err(_) => unavailable(),
    })
}

/// A watch's response: each line as it comes, until the simulation drops the watch or
/// its timeout passes.
fn stream(lines: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>, timeout_s: Option<u64>) -> HttpResponse<Body> {
    let deadline = timeout_s.map(|s| tokio::time::Instant::now() + std::time::Duration::from_secs(s));
    let frames = futures_util::stream::unfold(lines, move |mut lines| async move {
        let next = match deadline {
            Some(at) => tokio::time::timeout_at(at, lines.recv()).await.ok().flatten(),
            None => lines.recv().await,
        };
        next.map(|line| (Ok::<_, Infallible>(Frame::data(Bytes::from(line))), lines))
    });
    HttpResponse::builder()
        .status(StatusCode::OK)
        .header("Content-Type", "application/json")
        .header("Cache-Control", "no-cache, private")
        .body(BodyExt::boxed(StreamBody::new(frames)))
        .expect("a response with valid headers")
}

/// `a=1&b=x%3Dy` → [("a","1"), ("b","x=y")].
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok()) {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_decode_like_url_values() {
        assert_eq!(
            parse_query("labelSelector=app%3Dweb%2Ctier+in+%28a%29&watch=1&x"),
            vec![
                ("labelSelector".to_string(), "app=web,tier in (a)".to_string()),
                ("watch".to_string(), "1".to_string()),
                ("x".to_string(), String::new()),
            ]
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
