//! A small HTTPS client for a running `kubesim serve`, found through its kubeconfig:
//! `kubesim ctl` sends shell lines (advance, crash node, curl, ...) with it, and tests
//! send raw API requests.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;

use super::http::SHELL_PATH;
use super::kubeconfig::Endpoint;

/// What the server answered: the line's output, and whether it failed.
pub struct Answer {
    /// The output.
    pub text: String,
    /// True when the line failed.
    pub failed: bool,
}

/// Sends `line` to the server at `endpoint`.
pub fn shell_line(endpoint: &Endpoint, line: &str) -> Result<Answer, String> {
    let (status, text) = request(endpoint, "POST", SHELL_PATH, "text/plain", line.as_bytes().to_vec())?;
    match status {
        200 => Ok(Answer { text, failed: false }),
        422 => Ok(Answer { text, failed: true }),
        401 => Err("the server refused the kubeconfig's token (is it from this server's start?)".into()),
        other => Err(format!("the server answered {other}: {text}")),
    }
}

/// One request with the kubeconfig's token: the status code and the body as text.
pub fn request(
    endpoint: &Endpoint,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(u16, String), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start a runtime: {e}"))?;
    runtime.block_on(send(endpoint, method, path, content_type, body))
}

async fn send(
    endpoint: &Endpoint,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<(u16, String), String> {
    let authority = endpoint
        .server
        .strip_prefix("https://")
        .ok_or_else(|| format!("the kubeconfig's server {} is not https://", endpoint.server))?
        .trim_end_matches('/')
        .to_string();
    let unreachable = |e: &dyn std::fmt::Display| {
        format!("cannot reach kubesim at {}: {e} (is `kubesim serve` running?)", endpoint.server)
    };
    let tcp = tokio::net::TcpStream::connect(&authority).await.map_err(|e| unreachable(&e))?;
    let host = authority.rsplit_once(':').map_or(authority.as_str(), |(h, _)| h).trim_matches(['[', ']']);
    let name = ServerName::try_from(host.to_string()).map_err(|e| format!("bad server name {host}: {e}"))?;
    let connector = tokio_rustls::TlsConnector::from(super::tls::client_config(&endpoint.ca_pem)?);
    let tls = connector.connect(name, tcp).await.map_err(|e| unreachable(&e))?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| unreachable(&e))?;
    tokio::spawn(connection);
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("Host", &authority)
        .header("Authorization", format!("Bearer {}", endpoint.token))
        .header("User-Agent", "kubesim-ctl")
        .header("Content-Type", content_type)
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("bad request: {e}"))?;
    let response = sender.send_request(request).await.map_err(|e| unreachable(&e))?;
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.map_err(|e| unreachable(&e))?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}
