//! The real kubectl against `kubesim serve`: the battery of commands a learner types,
//! run with kubectl 1.32 and an older and a newer minor, checked by their output.
//!
//! Without a kubectl binary these tests print why and return; with
//! `KUBESIM_REQUIRE_KUBECTL=1` (set by `.ci/run` where the binaries are installed) a
//! missing binary fails instead, so they cannot pass by not running.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// A running `kubesim serve` in a directory of its own, stopped when dropped.
struct Server {
    child: Child,
    dir: PathBuf,
    /// What the server printed before it was ready.
    announced: String,
}

impl Server {
    fn start(extra: &[&str]) -> Server {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "kubesim-serve-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .args(["serve", "--port", "0", "--kubeconfig"])
            .arg(dir.join("kubeconfig"))
            .args(extra)
            .current_dir(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("kubesim serve starts");
        // The server prints the export line once it listens.
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut lines = BufReader::new(stdout).lines();
        let mut announced = String::new();
        for line in lines.by_ref().map_while(Result::ok) {
            announced.push_str(&line);
            announced.push('\n');
            if line.starts_with("export KUBECONFIG=") {
                break;
            }
        }
        assert!(announced.contains("export KUBECONFIG="), "kubesim serve did not start: {announced}");
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, dir, announced }
    }

    fn kubeconfig(&self) -> PathBuf {
        self.dir.join("kubeconfig")
    }

    /// Runs a kubectl binary against the server.
    fn kubectl(&self, kubectl: &Path, args: &[&str]) -> Output {
        Command::new(kubectl)
            .args(args)
            .env("KUBECONFIG", self.kubeconfig())
            .env("HOME", &self.dir) // kubectl's discovery cache goes here, not to the user's
            .current_dir(&self.dir)
            .output()
            .expect("kubectl runs")
    }

    /// A `kubesim ctl` line.
    fn ctl(&self, line: &str) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kubesim"))
            .args(["ctl", "--kubeconfig"])
            .arg(self.kubeconfig())
            .args(line.split_whitespace())
            .output()
            .expect("kubesim ctl runs")
    }

    /// Stops the server as Ctrl-C would, and waits for it to finish writing.
    fn stop(mut self) -> PathBuf {
        let _ = Command::new("kill").args(["-INT", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
        self.dir.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// Runs kubectl and expects success; returns stdout and stderr together.
fn ok(server: &Server, kubectl: &Path, args: &[&str]) -> String {
    let out = server.kubectl(kubectl, args);
    assert!(out.status.success(), "kubectl {} failed:\n{}", args.join(" "), text(&out));
    text(&out)
}

/// The kubectl binary of a minor version, if this machine has it.
fn kubectl_binary(minor: &str) -> Option<PathBuf> {
    let candidates = match minor {
        "1.32" => vec![PathBuf::from("/usr/bin/kubectl"), PathBuf::from("/usr/lib/google-cloud-sdk/bin/kubectl.1.32")],
        _ => vec![PathBuf::from(format!("/usr/lib/google-cloud-sdk/bin/kubectl.{minor}"))],
    };
    let found = candidates.into_iter().find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("KUBESIM_REQUIRE_KUBECTL").is_none(),
            "kubectl {minor} is required (KUBESIM_REQUIRE_KUBECTL is set) but not installed"
        );
        eprintln!("SKIPPED: kubectl {minor} is not installed on this machine");
    }
    found
}

fn wait_until(mut done: impl FnMut() -> bool, what: &str) {
    for _ in 0..200 {
        if done() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
}

/// Every command of the battery, against a fresh server, with one kubectl.
fn battery(kubectl: &Path) {
    let server = Server::start(&["--nodes", "3", "--speed", "20"]);
    let manifest = server.dir.join("web.yaml");
    std::fs::write(&manifest, include_str!("serve/web.yaml")).expect("manifest written");
    let file = manifest.to_str().expect("a UTF-8 path");

    let version = ok(&server, kubectl, &["version"]);
    // kubectl 1.27 prints the server version as a Go struct (and warns of the skew),
    // later ones as a line.
    assert!(version.contains("Server Version: ") && version.contains("v1.32.0"), "{version}");

    let nodes = ok(&server, kubectl, &["get", "nodes"]);
    assert!(nodes.starts_with("NAME     STATUS   ROLES    AGE   VERSION\nnode-1   Ready    <none>"), "{nodes}");
    assert_eq!(nodes.lines().count(), 4, "{nodes}");

    // Declarative: created, unchanged, configured.
    assert_eq!(ok(&server, kubectl, &["apply", "-f", file]), "deployment.apps/web created\n");
    assert_eq!(ok(&server, kubectl, &["apply", "-f", file]), "deployment.apps/web unchanged\n");
    let rollout = ok(&server, kubectl, &["rollout", "status", "deployment/web", "--timeout=60s"]);
    assert!(rollout.ends_with("deployment \"web\" successfully rolled out\n"), "{rollout}");
    std::fs::write(&manifest, include_str!("serve/web.yaml").replace("replicas: 3", "replicas: 4")).expect("edited");
    let diff = server.kubectl(kubectl, &["diff", "-f", file]);
    assert_eq!(diff.status.code(), Some(1), "kubectl diff exits 1 when there are differences: {}", text(&diff));
    let diff = text(&diff);
    assert!(diff.contains("-  replicas: 3\n") && diff.contains("+  replicas: 4\n"), "{diff}");
    assert_eq!(ok(&server, kubectl, &["apply", "-f", file]), "deployment.apps/web configured\n");
    ok(&server, kubectl, &["rollout", "status", "deployment/web", "--timeout=60s"]);

    let pods = ok(&server, kubectl, &["get", "pods", "-o", "wide"]);
    let header = pods.lines().next().unwrap_or("");
    let columns: Vec<&str> = header.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(
        columns,
        ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE", "NOMINATED NODE", "READINESS GATES"]
    );
    assert_eq!(pods.lines().filter(|l| l.contains(" Running ")).count(), 4, "{pods}");
    let names = ok(&server, kubectl, &["get", "pods", "-l", "app=web", "-o", "name"]);
    assert_eq!(names.lines().filter(|l| l.starts_with("pod/web-")).count(), 4, "{names}");
    let json: serde_json::Value =
        serde_json::from_str(&ok(&server, kubectl, &["get", "deployment", "web", "-o", "json"])).expect("JSON");
    assert_eq!((json["kind"].as_str(), json["spec"]["replicas"].as_i64()), (Some("Deployment"), Some(4)));
    assert_eq!(json["status"]["readyReplicas"].as_i64(), Some(4), "{json}");
    let yaml = ok(&server, kubectl, &["get", "replicasets", "-o", "yaml"]);
    assert!(yaml.starts_with("apiVersion: v1\nitems:\n- apiVersion: apps/v1\n  kind: ReplicaSet\n"), "{yaml}");
    let all = ok(&server, kubectl, &["get", "deploy,rs,svc", "-A"]);
    for line in [
        "NAMESPACE   NAME                  READY   UP-TO-DATE   AVAILABLE   AGE",
        "default     deployment.apps/web   4/4     4            4",
    ] {
        assert!(all.contains(line), "{line:?} missing from\n{all}");
    }
    let events = ok(&server, kubectl, &["get", "events"]);
    assert!(events.starts_with("LAST SEEN   TYPE     REASON"), "{events}");
    assert!(events.contains("Scheduled") && events.contains("ScalingReplicaSet"), "{events}");

    // Imperative.
    assert_eq!(
        ok(&server, kubectl, &["create", "deployment", "api", "--image=nginx:1.27", "--replicas=2"]),
        "deployment.apps/api created\n"
    );
    assert_eq!(ok(&server, kubectl, &["run", "solo", "--image=nginx:1.27"]), "pod/solo created\n");
    assert_eq!(
        ok(&server, kubectl, &["expose", "deployment", "web", "--type=NodePort", "--port=80"]),
        "service/web exposed\n"
    );
    let svc = ok(&server, kubectl, &["get", "svc", "web"]);
    assert!(svc.contains("web    NodePort") && svc.contains("80:3"), "{svc}");
    assert_eq!(ok(&server, kubectl, &["scale", "deployment", "web", "--replicas=2"]), "deployment.apps/web scaled\n");
    assert_eq!(
        ok(&server, kubectl, &["set", "image", "deployment/web", "web=nginx:1.28"]),
        "deployment.apps/web image updated\n"
    );
    ok(&server, kubectl, &["rollout", "status", "deployment/web", "--timeout=60s"]);
    let history = ok(&server, kubectl, &["rollout", "history", "deployment/web"]);
    assert!(history.contains("REVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n"), "{history}");
    assert_eq!(ok(&server, kubectl, &["rollout", "undo", "deployment/web"]), "deployment.apps/web rolled back\n");
    assert_eq!(ok(&server, kubectl, &["label", "pod", "solo", "tier=one"]), "pod/solo labeled\n");
    let labelled = ok(&server, kubectl, &["get", "pods", "-l", "tier=one", "--show-labels"]);
    assert!(labelled.contains("run=solo,tier=one"), "{labelled}");

    wait_until(|| ok(&server, kubectl, &["get", "pod", "solo"]).contains("Running"), "pod solo running");
    let logs = ok(&server, kubectl, &["logs", "solo"]);
    assert!(logs.contains("Configuration complete; ready for start up"), "{logs}");
    for (what, expected) in [
        ("pod/solo", "Events:"),
        ("deployment/web", "NewReplicaSet:"),
        ("node/node-1", "Non-terminated Pods:"),
        ("service/web", "NodePort:"),
    ] {
        let described = ok(&server, kubectl, &["describe", what]);
        assert!(described.contains(expected), "describe {what}:\n{described}");
    }

    // A watch shows the changes as they happen, for as long as asked.
    let watcher = Command::new(kubectl)
        .args(["get", "pods", "-l", "app=api", "-w", "--request-timeout=4s"])
        .env("KUBECONFIG", server.kubeconfig())
        .env("HOME", &server.dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl get -w starts");
    std::thread::sleep(std::time::Duration::from_millis(800));
    ok(&server, kubectl, &["scale", "deployment", "api", "--replicas=3"]);
    let watched = watcher.wait_with_output().expect("the watch ends");
    let watched = String::from_utf8_lossy(&watched.stdout).into_owned();
    assert!(watched.starts_with("NAME "), "{watched}");
    assert!(watched.lines().count() > 3, "the watch printed the new pod's changes:\n{watched}");

    let deleted = ok(&server, kubectl, &["delete", "pod", "solo"]);
    assert_eq!(deleted, "pod \"solo\" deleted\n");
    let gone = server.kubectl(kubectl, &["get", "pod", "solo"]);
    assert_eq!(text(&gone), "Error from server (NotFound): pods \"solo\" not found\n");

    let resources = ok(&server, kubectl, &["api-resources"]);
    assert!(resources.contains("deployments      deploy       apps/v1"), "{resources}");
    let explained = ok(&server, kubectl, &["explain", "deployment.spec.replicas"]);
    assert!(explained.contains("FIELD: replicas <integer>"), "{explained}");
    // Server-side apply: `kubectl scale` owns spec.replicas now, so taking it back to
    // the file's value is a conflict until forced. The scaler is named after the
    // client's user agent, which is the binary's name (`kubectl.1.27`).
    let scaler = kubectl.file_name().and_then(|n| n.to_str()).unwrap_or("kubectl");
    let conflict = server.kubectl(kubectl, &["apply", "--server-side", "-f", file]);
    assert!(!conflict.status.success());
    let expected = format!(
        "error: Apply failed with 1 conflict: conflict with \"{scaler}\" with subresource \"scale\" using apps/v1: .spec.replicas\n"
    );
    assert!(text(&conflict).starts_with(&expected), "{}", text(&conflict));
    let ssa = ok(&server, kubectl, &["apply", "--server-side", "--force-conflicts", "-f", file]);
    assert_eq!(ssa, "deployment.apps/web serverside-applied\n");
    let managers = ok(
        &server,
        kubectl,
        &["get", "deployment", "web", "-o", "jsonpath={.spec.replicas} {.metadata.managedFields[*].manager}"],
    );
    assert!(managers.starts_with("4 ") && managers.contains("kubectl-client-side-apply"), "{managers}");

    let exec = server.kubectl(kubectl, &["exec", "deploy/web", "--", "ls"]);
    assert!(!exec.status.success());
    assert!(text(&exec).contains("kubesim does not run a shell"), "{}", text(&exec));
}

#[test]
fn kubectl_1_32_works_against_kubesim_serve() {
    if let Some(kubectl) = kubectl_binary("1.32") {
        battery(&kubectl);
    }
}

/// 1.27, the oldest minor on these machines, still validates through the OpenAPI v2
/// document (in protobuf).
#[test]
fn an_older_kubectl_1_27_works_against_kubesim_serve() {
    if let Some(kubectl) = kubectl_binary("1.27") {
        battery(&kubectl);
    }
}

#[test]
fn a_newer_kubectl_1_33_works_against_kubesim_serve() {
    if let Some(kubectl) = kubectl_binary("1.33") {
        battery(&kubectl);
    }
}

/// `kubesim ctl` drives the served cluster's clock and faults; `--record` and `kubesim
/// replay` give the same trace, byte for byte.
#[test]
fn ctl_moves_time_and_crashes_nodes_and_a_record_replays_byte_identically() {
    let Some(kubectl) = kubectl_binary("1.32") else { return };
    let server = Server::start(&[
        "--nodes",
        "2",
        "--seed",
        "3",
        "--speed",
        "manual",
        "--record",
        "session.jsonl",
        "--trace",
        "served.jsonl",
    ]);
    let manifest = server.dir.join("web.yaml");
    std::fs::write(&manifest, include_str!("serve/web.yaml")).expect("manifest written");
    ok(&server, &kubectl, &["apply", "-f", manifest.to_str().expect("UTF-8")]);
    // Manual time: nothing runs until the clock is advanced.
    let pending = ok(&server, &kubectl, &["get", "pods"]);
    assert!(!pending.contains("Running"), "{pending}");
    let advanced = server.ctl("advance 30s");
    assert!(advanced.status.success(), "{}", text(&advanced));
    let running = ok(&server, &kubectl, &["get", "pods"]);
    assert_eq!(running.lines().filter(|l| l.contains(" Running ")).count(), 3, "{running}");

    let crashed = server.ctl("crash node node-1");
    assert!(crashed.status.success(), "{}", text(&crashed));
    server.ctl("advance 6m");
    let nodes = ok(&server, &kubectl, &["get", "nodes"]);
    assert!(nodes.contains("node-1   NotReady"), "{nodes}");
    let healed = ok(&server, &kubectl, &["get", "pods", "-o", "wide"]);
    assert_eq!(healed.lines().filter(|l| l.contains(" Running ") && l.contains("node-2")).count(), 3, "{healed}");
    let unknown = server.ctl("crash node node-9");
    assert_eq!(unknown.status.code(), Some(1), "{}", text(&unknown));

    let dir = server.stop();
    let replayed = dir.join("replayed.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .arg("replay")
        .arg(dir.join("session.jsonl"))
        .arg("--trace")
        .arg(&replayed)
        .arg("--html")
        .arg(dir.join("session.html"))
        .output()
        .expect("kubesim replay runs");
    assert!(out.status.success(), "{}", text(&out));
    let served = std::fs::read_to_string(dir.join("served.jsonl")).expect("the server wrote its trace");
    assert!(served.lines().count() > 100, "a trace of the whole session");
    assert_eq!(std::fs::read_to_string(&replayed).expect("the replay wrote its trace"), served);
    let page = std::fs::read_to_string(dir.join("session.html")).expect("the replay drew the session");
    assert!(page.contains("\"key\":\"node-1\"") && page.contains("NotReady"), "the page holds the crash");
}

#[test]
fn serve_takes_a_scenarios_cluster() {
    let Some(kubectl) = kubectl_binary("1.32") else { return };
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/02-kubectl-and-a-local-cluster.yaml");
    let server = Server::start(&["--scenario", scenario.to_str().expect("UTF-8"), "--speed", "manual"]);
    let nodes = ok(&server, &kubectl, &["get", "nodes", "-o", "name"]);
    assert_eq!(nodes, "node/minikube\n");
}

#[test]
fn ctl_without_a_server_says_so() {
    let dir = std::env::temp_dir().join(format!("kubesim-ctl-{}", std::process::id()));
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(["ctl", "--kubeconfig"])
        .arg(dir.join("missing.kubeconfig"))
        .args(["advance", "1s"])
        .output()
        .expect("kubesim ctl runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("start a server with `kubesim serve`"), "{}", text(&out));
}

/// The official Python client (`kubernetes` from PyPI): list, create, patch, watch,
/// delete and an error, against a served cluster. `.ci/run` installs it in a virtualenv
/// and names its interpreter in `KUBESIM_PYTHON`.
#[test]
fn the_official_python_client_works_against_kubesim_serve() {
    let Some(python) = std::env::var_os("KUBESIM_PYTHON") else {
        assert!(
            std::env::var_os("KUBESIM_REQUIRE_PYTHON_CLIENT").is_none(),
            "the Python client test is required but KUBESIM_PYTHON is not set"
        );
        eprintln!("SKIPPED: KUBESIM_PYTHON does not name a Python with the `kubernetes` package");
        return;
    };
    let server = Server::start(&["--nodes", "3", "--speed", "20"]);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/serve/client.py");
    let out = Command::new(python).arg(script).arg(server.kubeconfig()).output().expect("python runs");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "list: 3 nodes, Ready: True\ncreate: py uid set: True\npatch: replicas 3\nwatch: running pods 3\ndelete: then read -> 404 Not Found\nerror: 404 Not Found\n"
    );
}

/// Bad requests get `Status` errors with the apiserver's codes and reasons, none hangs
/// or stops the server, and concurrent clients are all answered.
#[test]
fn malformed_and_concurrent_requests_get_statuses_and_the_server_keeps_answering() {
    use kubesim::serve::client::request;
    use kubesim::serve::kubeconfig;
    let server = Server::start(&["--nodes", "1", "--speed", "manual"]);
    let endpoint = kubeconfig::read(&server.kubeconfig()).expect("the kubeconfig reads back");
    let send = |method: &str, path: &str, body: &str| {
        let (code, text) =
            request(&endpoint, method, path, "application/json", body.as_bytes().to_vec()).expect("the server answers");
        let status: serde_json::Value = serde_json::from_str(&text).unwrap_or(serde_json::Value::Null);
        (code, status)
    };
    let pod = |name: &str| {
        format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}"}},"spec":{{"containers":[{{"name":"c","image":"nginx:1.27"}}]}}}}"#
        )
    };
    let pods = "/api/v1/namespaces/default/pods";
    let huge = "x".repeat(4 * 1024 * 1024);
    let cases: Vec<(&str, String, String, u16, &str)> = vec![
        ("POST", pods.into(), "{not json".into(), 400, "BadRequest"),
        ("POST", pods.into(), huge, 413, "RequestEntityTooLarge"),
        ("POST", pods.into(), pod("x").replace("\"image\"", "\"imagee\""), 400, "BadRequest"),
        ("POST", "/apis/apps/v1/namespaces/default/widgets".into(), "{}".into(), 404, "NotFound"),
        ("GET", format!("{pods}?labelSelector=a%20in%20(b"), String::new(), 400, "BadRequest"),
        ("GET", format!("{pods}?fieldSelector=spec.foo%3Dbar"), String::new(), 400, "BadRequest"),
        ("GET", format!("{pods}?watch=1&resourceVersion=abc"), String::new(), 400, "BadRequest"),
        ("GET", format!("{pods}/nope"), String::new(), 404, "NotFound"),
        ("DELETE", format!("{pods}/nope"), String::new(), 404, "NotFound"),
        ("POST", format!("{pods}/nope/exec"), String::new(), 405, "MethodNotAllowed"),
        ("PATCH", format!("{pods}/nope"), "{}".into(), 404, "NotFound"),
    ];
    for (method, path, body, code, reason) in &cases {
        let (got, status) = send(method, path, body);
        assert_eq!((got, status["reason"].as_str()), (*code, Some(*reason)), "{method} {path}: {status}");
        assert_eq!(status["kind"], "Status", "{status}");
    }
    let (_, unknown_field) = send("POST", pods, &pod("x").replace("\"image\"", "\"imagee\""));
    assert!(unknown_field["message"].as_str().unwrap_or("").contains("unknown field"), "{unknown_field}");

    // A stale resourceVersion is a conflict.
    assert_eq!(send("POST", pods, &pod("web")).0, 201);
    let stale = pod("web").replace(r#""name":"web""#, r#""name":"web","resourceVersion":"1""#);
    let (code, status) = send("PUT", &format!("{pods}/web"), &stale);
    assert_eq!((code, status["reason"].as_str()), (409, Some("Conflict")), "{status}");
    let (code, status) = send("POST", pods, &pod("web"));
    assert_eq!((code, status["reason"].as_str()), (409, Some("AlreadyExists")), "{status}");

    // Without the token: 401.
    let mut stranger = endpoint.clone();
    stranger.token = "guess".into();
    assert_eq!(request(&stranger, "GET", pods, "", Vec::new()).expect("answered").0, 401);

    // Eight clients at once, each creating pods between bad requests.
    std::thread::scope(|scope| {
        for client in 0..8 {
            let send = &send;
            let pod = &pod;
            scope.spawn(move || {
                for i in 0..5 {
                    assert_eq!(send("POST", pods, &pod(&format!("c{client}-{i}"))).0, 201);
                    assert_eq!(send("POST", pods, "[1,2").0, 400);
                }
            });
        }
    });
    let (code, list) = send("GET", pods, "");
    assert_eq!(code, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(41), "every concurrent create landed, and web");
}

/// Lists come in pages (`limit`, `continue`); a watch with a selector sees objects
/// join (ADDED) and leave (DELETED) the selection as their labels change.
#[test]
fn lists_page_and_selector_watches_see_objects_join_and_leave() {
    use kubesim::serve::client::request;
    use kubesim::serve::kubeconfig;
    let server = Server::start(&["--nodes", "1", "--speed", "manual"]);
    let endpoint = kubeconfig::read(&server.kubeconfig()).expect("the kubeconfig reads back");
    let pods = "/api/v1/namespaces/default/pods";
    let send = |method: &str, path: &str, content_type: &str, body: String| {
        let (code, text) = request(&endpoint, method, path, content_type, body.into_bytes()).expect("answered");
        (code, text)
    };
    for (name, app) in [("p1", "a"), ("p2", "b"), ("p3", "b"), ("p4", "b"), ("p5", "b")] {
        let pod = format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","labels":{{"app":"{app}"}}}},"spec":{{"containers":[{{"name":"c","image":"nginx:1.27"}}]}}}}"#
        );
        assert_eq!(send("POST", pods, "application/json", pod).0, 201);
    }
    let mut names = Vec::new();
    let mut token = String::new();
    loop {
        let (code, text) = send("GET", &format!("{pods}?limit=2&continue={token}"), "", String::new());
        assert_eq!(code, 200, "{text}");
        let page: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 2);
        names.extend(items.iter().map(|i| i["metadata"]["name"].as_str().unwrap_or("").to_string()));
        match page["metadata"]["continue"].as_str() {
            Some(next) => {
                assert_eq!(page["metadata"]["remainingItemCount"].as_u64(), Some(5 - names.len() as u64));
                token = next.to_string();
            }
            None => break,
        }
    }
    assert_eq!(names, ["p1", "p2", "p3", "p4", "p5"]);
    assert_eq!(send("GET", &format!("{pods}?limit=2&continue=%%%"), "", String::new()).0, 400);

    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            send("GET", &format!("{pods}?watch=1&labelSelector=app%3Da&timeoutSeconds=2"), "", String::new())
        });
        std::thread::sleep(std::time::Duration::from_millis(500));
        let relabel = |name: &str, app: &str| {
            let patch = format!(r#"{{"metadata":{{"labels":{{"app":"{app}"}}}}}}"#);
            assert_eq!(send("PATCH", &format!("{pods}/{name}"), "application/merge-patch+json", patch).0, 200);
        };
        relabel("p1", "b");
        relabel("p2", "a");
        let (code, stream) = watcher.join().expect("the watch ends");
        assert_eq!(code, 200);
        let events: Vec<(String, String)> = stream
            .lines()
            .map(|l| {
                let e: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
                (e["type"].as_str().unwrap_or("").into(), e["object"]["metadata"]["name"].as_str().unwrap_or("").into())
            })
            .collect();
        let expected = [("ADDED", "p1"), ("DELETED", "p1"), ("ADDED", "p2")];
        assert_eq!(events, expected.map(|(t, n)| (t.to_string(), n.to_string())), "{stream}");
    });

    // Bookmarks, once a simulated minute, to watches that allow them.
    std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            send(
                "GET",
                &format!("{pods}?watch=1&allowWatchBookmarks=true&resourceVersion=1000000&timeoutSeconds=2"),
                "",
                String::new(),
            )
        });
        std::thread::sleep(std::time::Duration::from_millis(500));
        assert!(server.ctl("advance 2m").status.success());
        let (_, stream) = watcher.join().expect("the watch ends");
        let bookmark = stream.lines().find(|l| l.contains("\"BOOKMARK\""));
        assert!(bookmark.is_some_and(|b| b.contains("\"resourceVersion\"")), "{stream}");
    });
}

/// What `kubesim serve` refuses, and what it writes: a kubeconfig only its owner reads,
/// and a warning when it listens beyond loopback.
#[test]
fn serve_refuses_bad_options_and_guards_its_kubeconfig() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kubesim")).arg("serve").args(args).output().expect("runs");
        (out.status.code(), text(&out))
    };
    let (code, err) = run(&["--speed", "fast"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--speed \"fast\": expected `realtime`, `manual` or a factor"), "{err}");
    let (code, err) = run(&["--nodes", "0"]);
    assert_eq!((code, err.contains("--nodes 0: expected 1 to 5000")), (Some(2), true), "{err}");

    let server = Server::start(&["--address", "0.0.0.0"]);
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(server.kubeconfig()).expect("written").permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    let port = kubesim::serve::kubeconfig::read(&server.kubeconfig())
        .expect("reads")
        .server
        .rsplit(':')
        .next()
        .unwrap_or("")
        .to_string();
    let (code, err) = run(&["--port", &port, "--kubeconfig", "/tmp/kubesim-unused.kubeconfig"]);
    assert_eq!(code, Some(2));
    assert!(err.contains(&format!("cannot listen on 127.0.0.1:{port}")), "{err}");
    assert!(server.announced.starts_with("warning: serving on 0.0.0.0 (not loopback)"), "{}", server.announced);
}
