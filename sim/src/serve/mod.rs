//! `kubesim serve`: a simulated cluster behind a Kubernetes-compatible API on HTTPS, for
//! the real kubectl and client libraries. The simulation stays single-threaded and
//! deterministic on the caller's thread ([`driver`]); tokio serves HTTP beside it
//! ([`http`]) and passes requests over a channel; [`rest`] answers them as plain
//! functions of the cluster, so a [`record`] of the inputs replays exactly.

pub mod client;
pub mod driver;
mod http;
pub mod kubeconfig;
pub mod protobuf;
pub mod record;
pub mod rest;
mod tls;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use crate::shell::Shell;
pub use driver::Speed;
use driver::{Driver, Message};
use kubeconfig::Endpoint;
use record::{Header, Recorder};
use rest::ServerInfo;

/// How to serve.
#[derive(Debug, Clone)]
pub struct Options {
    /// The address to listen on (loopback unless told otherwise).
    pub address: IpAddr,
    /// The port; 0 picks a free one.
    pub port: u16,
    /// Where to write the kubeconfig.
    pub kubeconfig: PathBuf,
    /// How simulated time follows the wall clock.
    pub speed: Speed,
    /// Where to record the inputs, if anywhere.
    pub record: Option<PathBuf>,
}

/// Serves `shell`'s cluster until interrupted (SIGINT, SIGTERM) and returns the shell,
/// so the caller can write the trace. `announce` receives the lines to show the user
/// once the server listens (the `export KUBECONFIG=...` line among them).
pub fn serve(shell: Shell, header: Header, options: &Options, announce: impl FnOnce(&str)) -> Result<Shell, String> {
    let credentials = tls::generate(options.address)?;
    let tls = credentials.server_config()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP server's runtime: {e}"))?;
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind(SocketAddr::new(options.address, options.port)))
        .map_err(|e| format!("cannot listen on {}:{}: {e}", options.address, options.port))?;
    let local = listener.local_addr().map_err(|e| format!("cannot read the listening address: {e}"))?;
    let server = format!("https://{local}");
    let endpoint =
        Endpoint { server: server.clone(), ca_pem: credentials.ca_pem.clone(), token: credentials.token.clone() };
    kubeconfig::write(&options.kubeconfig, &endpoint)?;
    let recorder = match &options.record {
        Some(path) => Some(Recorder::create(path, &header)?),
        None => None,
    };

    let (to_sim, messages) = std::sync::mpsc::channel();
    runtime.spawn(http::serve(listener, tls, credentials.token.clone(), to_sim.clone()));
    runtime.spawn(stop_on_signal(to_sim));

    let kubeconfig = std::fs::canonicalize(&options.kubeconfig).unwrap_or_else(|_| options.kubeconfig.clone());
    let mut text = String::new();
    if !options.address.is_loopback() {
        text.push_str(&format!(
            "warning: serving on {} (not loopback): anyone who can reach it and has the token can change the cluster\n",
            options.address
        ));
    }
    let speed = match options.speed {
        Speed::Manual => "manual (time moves only with `kubesim ctl advance DURATION`)".to_string(),
        Speed::Factor(1.0) => "real time".to_string(),
        Speed::Factor(f) => format!("{f}× real time"),
    };
    text.push_str(&format!(
        "kubesim serves {} at {server}; simulated time: {speed}\nexport KUBECONFIG={}\n",
        header.describe(),
        kubeconfig.display()
    ));
    if let Some(path) = &options.record {
        text.push_str(&format!(
            "recording every input to {} (replay: kubesim replay {})\n",
            path.display(),
            path.display()
        ));
    }
    text.push_str("Stop with Ctrl-C.\n");
    announce(&text);

    let info = ServerInfo { address: local.to_string() };
    let shell = Driver::new(shell, info, options.speed, recorder).run(messages);
    runtime.shutdown_background();
    Ok(shell)
}

/// Sends Stop to the simulation on SIGINT or SIGTERM.
async fn stop_on_signal(to_sim: std::sync::mpsc::Sender<Message>) {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => return,
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    let _ = to_sim.send(Message::Stop);
}

/// Replays a record on a fresh cluster made from its header by `make_shell`, and
/// returns the shell at the moment the server stopped.
pub fn replay(shell: &mut Shell, entries: &[record::Entry]) {
    driver::replay(shell, &ServerInfo::default(), entries);
}
