//! Against the real Docker engine: the workload image imports without a registry, a
//! sandbox holds the pod's address, containers serve, exit, get OOM-killed and stop as
//! the environment says, events arrive, and `clean` removes only what kubesim labelled.
//!
//! Without an engine these tests print why and return; with `KUBESIM_REQUIRE_DOCKER=1`
//! (set by `.ci/run` when `docker info` works) a missing engine is a failure instead.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use futures_util::StreamExt;
use kubesim_runtime_docker::{ContainerSpec, Cri, Error, SandboxSpec, clean};

/// Connects for `run` after removing what an earlier, killed run of it left; `None`
/// (with the reason printed) when no engine is there and none is required.
async fn engine(run: &str, subnet: &str) -> Option<Cri> {
    match Cri::connect(run).await {
        Ok(cri) => {
            clean(Some(run)).await.expect("sweeping leftovers");
            cri.create_network(subnet).await.expect("the run's network");
            Some(cri)
        }
        Err(e @ Error::NoEngine(_)) if std::env::var_os("KUBESIM_REQUIRE_DOCKER").is_none() => {
            eprintln!("SKIPPED: {e}");
            None
        }
        Err(e) => panic!("{e}"),
    }
}

fn sandbox(pod: &str, ip: &str) -> SandboxSpec {
    SandboxSpec {
        pod: pod.into(),
        namespace: "default".into(),
        uid: format!("uid-{pod}"),
        attempt: 0,
        node: "node-1".into(),
        ip: ip.into(),
    }
}

fn container(name: &str, image: &str, env: &[(&str, &str)]) -> ContainerSpec {
    ContainerSpec {
        name: name.into(),
        image: image.into(),
        cmd: vec!["/kubesim-workload".into()],
        env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        memory_limit_bytes: None,
        attempt: 0,
    }
}

/// Runs a container of `spec` in a fresh sandbox; returns (sandbox, container) ids.
async fn run(cri: &Cri, pod: &str, ip: &str, spec: &ContainerSpec) -> (String, String) {
    let image = cri.ensure_workload_image().await.expect("the workload image imports");
    let pod_spec = sandbox(pod, ip);
    let sandbox = cri.run_pod_sandbox(&pod_spec, &image).await.expect("sandbox runs");
    let id = cri.create_container(&sandbox, &pod_spec, spec).await.expect("container is created");
    cri.start_container(&id).await.expect("container starts");
    (sandbox, id)
}

/// Waits until the container is no longer running (at most 20 s).
async fn exited(cri: &Cri, id: &str) -> kubesim_runtime_docker::ContainerState {
    for _ in 0..200 {
        let state = cri.container_state(id).await.expect("inspect");
        if state.status != "running" && state.status != "created" {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{id} still running after 20 s");
}

fn http_get(address: &str) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&address.parse().expect("address"), Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    write!(stream, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

#[tokio::test]
async fn a_pod_serves_http_on_its_sandbox_address() {
    let Some(cri) = engine("test-serve", "10.231.0.0/16").await else { return };
    let image = cri.ensure_workload_image().await.expect("image");
    assert!(image.starts_with("kubesim/workload:"));
    assert!(cri.image_present(&image).await);
    let env = [
        ("KUBESIM_HTTP_PORT", "8080"),
        ("KUBESIM_POD", "web"),
        ("KUBESIM_NODE", "node-1"),
        ("KUBESIM_IMAGE", "nginx:1.27"),
    ];
    let (_, id) = run(&cri, "web", "10.231.1.2", &container("nginx", &image, &env)).await;
    let mut answer = None;
    for _ in 0..100 {
        if let Ok(response) = http_get("10.231.1.2:8080") {
            answer = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answer = answer.expect("the pod answers within 10 s");
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.ends_with("Hello from web on node-1 (nginx:1.27), you asked for /healthz\n"), "{answer}");
    assert_eq!(cri.container_state(&id).await.expect("inspect").status, "running");
    clean(Some("test-serve")).await.expect("clean");
}

#[tokio::test]
async fn containers_exit_with_their_code_or_are_oom_killed_and_events_say_so() {
    let Some(cri) = engine("test-exit", "10.232.0.0/16").await else { return };
    let image = cri.ensure_workload_image().await.expect("image");
    let mut events = Box::pin(cri.events(kubesim_runtime_docker::unix_now()));
    let logs = "starting\npanic: configuration file /etc/app.conf not found";
    let env = [("KUBESIM_EXIT_AFTER_MS", "200"), ("KUBESIM_EXIT_CODE", "3"), ("KUBESIM_LOGS", logs)];
    let (_, crashy) = run(&cri, "crashy", "10.232.1.2", &container("app", &image, &env)).await;
    let state = exited(&cri, &crashy).await;
    assert_eq!((state.exit_code, state.oom_killed), (3, false));
    assert_eq!(
        cri.logs(&crashy).await.expect("logs"),
        ["starting", "panic: configuration file /etc/app.conf not found"]
    );
    let die = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(event) = events.next().await {
            if event.id == crashy && event.action == "die" {
                return event;
            }
        }
        panic!("the event stream ended");
    });
    assert_eq!(die.await.expect("a die event within 10 s").exit_code, Some(3));
    let mut hog = container("hog", &image, &[("KUBESIM_MEMORY_MIB", "256")]);
    hog.memory_limit_bytes = Some(64 << 20);
    let (_, hog) = run(&cri, "hungry", "10.232.1.3", &hog).await;
    let state = exited(&cri, &hog).await;
    assert_eq!((state.exit_code, state.oom_killed), (137, true), "the kernel kills it at its limit");
    clean(Some("test-exit")).await.expect("clean");
}

#[tokio::test]
async fn sigterm_stops_a_workload_at_once_unless_it_ignores_it() {
    let Some(cri) = engine("test-stop", "10.233.0.0/16").await else { return };
    let image = cri.ensure_workload_image().await.expect("image");
    let (sandbox, polite) =
        run(&cri, "polite", "10.233.1.2", &container("app", &image, &[("KUBESIM_STOP_MS", "0")])).await;
    let (_, stubborn) =
        run(&cri, "stubborn", "10.233.1.3", &container("app", &image, &[("KUBESIM_STOP_MS", "never")])).await;
    // Both get SIGTERM and 2 s: the first exits 0 by itself, the second is SIGKILLed.
    let (a, b) = tokio::join!(cri.stop_container(&polite, 2), cri.stop_container(&stubborn, 2));
    a.and(b).expect("stop");
    assert_eq!(cri.container_state(&polite).await.expect("inspect").exit_code, 0);
    assert_eq!(cri.container_state(&stubborn).await.expect("inspect").exit_code, 137);
    // The sandbox (a pause container) stops on SIGTERM at once, and can then go.
    cri.stop_pod_sandbox(&sandbox, 10).await.expect("stop the sandbox");
    assert_eq!(cri.container_state(&sandbox).await.expect("inspect").status, "exited");
    cri.remove_pod_sandbox(&sandbox).await.expect("remove the sandbox");
    assert!(cri.container_state(&sandbox).await.is_err(), "removed");
    clean(Some("test-stop")).await.expect("clean");
}

#[tokio::test]
async fn clean_removes_only_what_kubesim_labelled() {
    let Some(cri) = engine("test-clean", "10.234.0.0/16").await else { return };
    let image = cri.ensure_workload_image().await.expect("image");
    let (sandbox, app) = run(&cri, "web", "10.234.1.2", &container("app", &image, &[])).await;
    // A decoy: a container kubesim did not make (no labels), from the same image.
    let docker = bollard::Docker::connect_with_local_defaults().expect("engine");
    let decoy_name = "kubesim-test-decoy-not-ours";
    let _ = docker
        .remove_container(
            decoy_name,
            Some(bollard::query_parameters::RemoveContainerOptionsBuilder::default().force(true).build()),
        )
        .await;
    let body = bollard::models::ContainerCreateBody {
        image: Some(image.clone()),
        cmd: Some(vec!["/kubesim-workload".into()]),
        ..Default::default()
    };
    let options = bollard::query_parameters::CreateContainerOptionsBuilder::default().name(decoy_name).build();
    let decoy = docker.create_container(Some(options), body).await.expect("decoy").id;
    assert_eq!(clean(Some("test-clean")).await.expect("clean"), 2);
    assert_eq!(clean(Some("test-clean")).await.expect("clean again"), 0, "nothing of the run is left");
    for gone in [&sandbox, &app] {
        assert!(cri.container_state(gone).await.is_err(), "{gone} removed");
    }
    assert!(
        docker.inspect_container(&decoy, None::<bollard::query_parameters::InspectContainerOptions>).await.is_ok(),
        "the decoy survives"
    );
    docker
        .remove_container(&decoy, None::<bollard::query_parameters::RemoveContainerOptions>)
        .await
        .expect("remove the decoy");
}
