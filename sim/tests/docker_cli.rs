//! The replay command against the real Docker engine: a replay killed with SIGKILL
//! leaves containers that `kubesim docker clean` removes (and nothing else), and without
//! an engine `replay` says which socket it tried and exits 2.
//!
//! Without an engine the first test prints why and returns; with
//! `KUBESIM_REQUIRE_DOCKER=1` (set by `.ci/run` when `docker info` works) it fails instead.

#![cfg(feature = "docker")]

use std::process::{Command, Stdio};
use std::time::Duration;

fn kubesim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubesim"))
}

fn scenario(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("kubesim-docker-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, text).expect("scenario written");
    path.display().to_string()
}

/// Containers (running or not) labelled with `run`.
fn containers_of(run: &str) -> Vec<String> {
    let out = Command::new("docker")
        .args(["ps", "-aq", "--filter", &format!("label=io.kubesim.run={run}")])
        .output()
        .expect("docker runs");
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

fn engine_available() -> bool {
    let up = Command::new("docker").arg("info").stdout(Stdio::null()).stderr(Stdio::null()).status();
    match up {
        Ok(status) if status.success() => true,
        _ if std::env::var_os("KUBESIM_REQUIRE_DOCKER").is_some() => {
            panic!("KUBESIM_REQUIRE_DOCKER is set but `docker info` fails")
        }
        _ => {
            eprintln!("SKIPPED: no Docker engine (`docker info` fails)");
            false
        }
    }
}

#[test]
fn a_killed_replay_leaves_nothing_after_docker_clean() {
    if !engine_available() {
        return;
    }
    let file = scenario(
        "long.yaml",
        "title: long\ncluster: {nodes: 2}\nsteps:\n  - kubectl: create deployment web --image=nginx:1.27 --replicas=2\n  - advance: 1h\n",
    );
    let mut replay =
        kubesim().args(["replay", &file, "--speed", "1"]).stdout(Stdio::null()).spawn().expect("replay starts");
    let run = format!("r{}", replay.id());
    let mut seen = Vec::new();
    for _ in 0..200 {
        seen = containers_of(&run);
        if seen.len() >= 4 {
            break; // two sandboxes and two app containers
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(seen.len() >= 4, "the replay started its pods: {seen:?}");
    replay.kill().expect("SIGKILL");
    replay.wait().expect("reaped");
    assert!(!containers_of(&run).is_empty(), "a killed replay cannot clean up after itself");
    let decoy = Command::new("docker")
        .args([
            "create",
            "--name",
            &format!("kubesim-decoy-{}", std::process::id()),
            &workload_image(),
            "/kubesim-workload",
        ])
        .output()
        .expect("docker create");
    assert!(decoy.status.success(), "{}", String::from_utf8_lossy(&decoy.stderr));
    let decoy = String::from_utf8_lossy(&decoy.stdout).trim().to_string();
    let out = kubesim().args(["docker", "clean"]).output().expect("docker clean runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains(&format!("container(s) and the network of {run}")), "{text}");
    assert_eq!(containers_of(&run), Vec::<String>::new(), "nothing of the killed run is left");
    let inspect = Command::new("docker").args(["inspect", &decoy]).output().expect("docker inspect");
    assert!(inspect.status.success(), "a container without kubesim's labels survives");
    let _ = Command::new("docker").args(["rm", "-f", &decoy]).output();
}

/// The workload image's tag (imported by the replay above).
fn workload_image() -> String {
    kubesim_runtime_docker::workload_tag()
}

#[test]
fn without_an_engine_replay_names_the_socket_and_exits_2() {
    let file = scenario("short.yaml", "title: short\nsteps:\n  - advance: 1s\n");
    let out = kubesim()
        .args(["replay", &file])
        .env("DOCKER_HOST", "unix:///tmp/kubesim-no-such-docker.sock")
        .output()
        .expect("kubesim runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no Docker engine answers on unix:///tmp/kubesim-no-such-docker.sock"), "{err}");
}
