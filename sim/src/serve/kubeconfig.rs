//! The kubeconfig `kubesim serve` writes for kubectl, and reads back for `kubesim ctl`.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_yaml::Value;

/// What a client needs to reach the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https://127.0.0.1:PORT`.
    pub server: String,
    /// The CA certificate (PEM).
    pub ca_pem: String,
    /// The bearer token.
    pub token: String,
}

/// The kubeconfig's text: one cluster, user and context, all named `kubesim`.
pub fn render(endpoint: &Endpoint) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: kubesim\n  cluster:\n    server: {}\n    certificate-authority-data: {}\nusers:\n- name: kubesim\n  user:\n    token: {}\ncontexts:\n- name: kubesim\n  context:\n    cluster: kubesim\n    user: kubesim\n    namespace: default\ncurrent-context: kubesim\npreferences: {{}}\n",
        endpoint.server,
        STANDARD.encode(&endpoint.ca_pem),
        endpoint.token
    )
}

/// Writes the kubeconfig, readable by its owner only (it holds the token).
pub fn write(path: &Path, endpoint: &Endpoint) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write the kubeconfig {}: {e}", path.display());
    // The mode applies only to a new file: start afresh.
    if path.exists() {
        std::fs::remove_file(path).map_err(fail)?;
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(fail)?;
    file.write_all(render(endpoint).as_bytes()).map_err(fail)
}

/// Reads the current context's server, CA and token from a kubeconfig.
pub fn read(path: &Path) -> Result<Endpoint, String> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        format!("cannot read the kubeconfig {}: {e} (start a server with `kubesim serve`, or name its kubeconfig with --kubeconfig)", path.display())
    })?;
    parse(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn parse(text: &str) -> Result<Endpoint, String> {
    let doc: Value = serde_yaml::from_str(text).map_err(|e| format!("not a kubeconfig: {e}"))?;
    let context_name = doc["current-context"].as_str().ok_or("no current-context")?;
    let named = |list: &str, name: &str| -> Result<Value, String> {
        doc[list]
            .as_sequence()
            .and_then(|items| items.iter().find(|i| i["name"].as_str() == Some(name)))
            .cloned()
            .ok_or_else(|| format!("no {list} entry named {name:?}"))
    };
    let context = named("contexts", context_name)?;
    let cluster = named("clusters", context["context"]["cluster"].as_str().unwrap_or(""))?;
    let user = named("users", context["context"]["user"].as_str().unwrap_or(""))?;
    let server = cluster["cluster"]["server"].as_str().ok_or("the cluster has no server")?.to_string();
    let ca = cluster["cluster"]["certificate-authority-data"]
        .as_str()
        .ok_or("the cluster has no certificate-authority-data")?;
    let ca_pem = STANDARD
        .decode(ca)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or("certificate-authority-data is not base64 of a PEM text")?;
    let token = user["user"]["token"].as_str().ok_or("the user has no token")?.to_string();
    Ok(Endpoint { server, ca_pem, token })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_written_kubeconfig_reads_back() {
        let endpoint = Endpoint {
            server: "https://127.0.0.1:6443".into(),
            ca_pem: "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n".into(),
            token: "abc".into(),
        };
        assert_eq!(parse(&render(&endpoint)), Ok(endpoint));
        assert!(parse("apiVersion: v1\n").unwrap_err().contains("current-context"));
    }
}
