//! The one process of kubesim's workload image. With no registry to pull `nginx` or
//! `redis` from, every image of a replayed scenario runs this binary, and its
//! environment says how to behave, so an image means the same thing on Docker as in the
//! simulator's catalog:
//!
//! - `KUBESIM_LOGS`: lines to print at start (newline-separated);
//! - `KUBESIM_MEMORY_MIB`: memory to allocate and touch (past the container's limit the
//!   kernel kills it: a real OOMKilled);
//! - `KUBESIM_HTTP_PORT` and `KUBESIM_READY_AFTER_MS`: serve HTTP on the port after the
//!   delay, answering `Hello from POD on NODE (IMAGE), you asked for PATH` as the
//!   simulator's `curl` does (`KUBESIM_POD`, `KUBESIM_NODE`, `KUBESIM_IMAGE`);
//! - `KUBESIM_EXIT_AFTER_MS` and `KUBESIM_EXIT_CODE`: exit by itself;
//! - `KUBESIM_STOP_MS`: how long to take to exit on SIGTERM, or `never` to ignore it
//!   (the runtime's stop timeout then ends in SIGKILL).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn env_ms(name: &str) -> Option<u64> {
    env(name).and_then(|v| v.parse().ok())
}

fn main() {
    let terminated = Arc::new(AtomicBool::new(false));
    // As PID 1 the process gets no default SIGTERM action: without a handler it would
    // ignore the signal. Registering one makes SIGTERM observable; `never` just never looks.
    if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGTERM, terminated.clone()) {
        eprintln!("kubesim-workload: cannot handle SIGTERM: {e}");
    }
    for line in env("KUBESIM_LOGS").unwrap_or_default().lines() {
        println!("{line}");
    }
    let _ = std::io::stdout().flush();
    let memory = allocate(env_ms("KUBESIM_MEMORY_MIB").unwrap_or(0));
    if let Some(port) = env("KUBESIM_HTTP_PORT").and_then(|p| p.parse::<u16>().ok()) {
        let ready_after = env_ms("KUBESIM_READY_AFTER_MS").unwrap_or(0);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(ready_after));
            serve(port);
        });
    }
    let exit_after = env_ms("KUBESIM_EXIT_AFTER_MS");
    let stop = env("KUBESIM_STOP_MS");
    let mut waited = 0u64;
    loop {
        if let Some(after) = exit_after
            && waited >= after
        {
            drop(memory);
            std::process::exit(env("KUBESIM_EXIT_CODE").and_then(|c| c.parse().ok()).unwrap_or(0));
        }
        if terminated.load(Ordering::Relaxed) && stop.as_deref() != Some("never") {
            thread::sleep(Duration::from_millis(stop.as_deref().and_then(|s| s.parse().ok()).unwrap_or(0)));
            std::process::exit(0);
        }
        thread::sleep(Duration::from_millis(10));
        waited += 10;
    }
}

/// Allocates `mib` MiB and writes to every page, so it counts against the memory limit.
fn allocate(mib: u64) -> Vec<Vec<u8>> {
    (0..mib).map(|_| vec![1u8; 1 << 20]).collect()
}

/// Answers every HTTP request with one line naming the pod, as the simulator does.
fn serve(port: u16) {
    let listener = match TcpListener::bind(("0.0.0.0", port)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("kubesim-workload: cannot listen on {port}: {e}");
            return;
        }
    };
    let pod = env("KUBESIM_POD").unwrap_or_else(|| "unknown".into());
    let node = env("KUBESIM_NODE").unwrap_or_else(|| "unknown".into());
    let image = env("KUBESIM_IMAGE").unwrap_or_else(|| "unknown".into());
    for stream in listener.incoming().flatten() {
        let (pod, node, image) = (pod.clone(), node.clone(), image.clone());
        thread::spawn(move || answer(stream, &pod, &node, &image));
    }
}

fn answer(mut stream: TcpStream, pod: &str, node: &str, image: &str) {
    let mut request_line = String::new();
    if BufReader::new(&stream).read_line(&mut request_line).is_err() {
        return;
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("/");
    let body = format!("Hello from {pod} on {node} ({image}), you asked for {path}\n");
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
