//! The acceptance scenario through the real binary: a piped shell script gives
//! byte-identical transcripts twice, with kubectl's columns and the expected states.

use std::io::Write;
use std::process::{Command, Stdio};

fn run_binary(args: &[&str], stdin: &str) -> (String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubesim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubesim binary runs");
    child.stdin.take().expect("stdin is piped").write_all(stdin.as_bytes()).expect("script is written");
    let out = child.wait_with_output().expect("kubesim finishes");
    (String::from_utf8(out.stdout).expect("UTF-8 output"), out.status.code().unwrap_or(-1))
}

const SCRIPT: &str = include_str!("scripts/acceptance.shell");

#[test]
fn piped_script_is_byte_identical_and_shows_the_states() {
    // Seed 6 places the pod on node-2, the node the script crashes.
    let (first, code) = run_binary(&["shell", "--nodes", "3", "--seed", "6"], SCRIPT);
    let (second, _) = run_binary(&["shell", "--nodes", "3", "--seed", "6"], SCRIPT);
    assert_eq!(code, 0, "{first}");
    assert_eq!(first, second, "two runs differ");
    assert!(first.contains("$ kubectl run web --image=nginx:1.27\npod/web created\n"), "{first}");
    assert!(first.contains("NAME   READY   STATUS              RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\nweb    0/1     ContainerCreating   0          1s"), "{first}");
    for reason in ["Scheduled", "Pulling", "Pulled", "Created", "Started"] {
        assert!(first.contains(&format!("  Normal  {reason} ")), "missing {reason} in\n{first}");
    }
    assert!(first.contains("node-2   NotReady   <none>"), "{first}");
    assert!(first.contains("node-1   Ready      <none>"), "{first}");
    // As upstream: only the pod's Ready condition turns False; READY shows what the
    // silent kubelet last reported.
    assert!(first.contains("web    1/1     Running   0"), "{first}");
}

#[test]
fn trace_file_is_identical_across_runs() {
    let dir = std::env::temp_dir().join(format!("kubesim-acceptance-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let paths = [dir.join("a.jsonl"), dir.join("b.jsonl")];
    for p in &paths {
        run_binary(&["shell", "--seed", "6", "--trace", p.to_str().expect("UTF-8 path")], SCRIPT);
    }
    let a = std::fs::read_to_string(&paths[0]).expect("trace a");
    let b = std::fs::read_to_string(&paths[1]).expect("trace b");
    assert!(a.lines().count() > 50, "trace too short: {}", a.lines().count());
    assert_eq!(a, b);
    assert!(a.lines().all(|l| l.starts_with("{\"id\":")));
}

#[test]
fn one_shot_commands_report_failure_in_the_exit_status() {
    let (out, code) = run_binary(&["shell", "-c", "kubectl get pods nope"], "");
    assert_eq!(code, 1);
    assert_eq!(out, "Error from server (NotFound): pods \"nope\" not found\n");
    let (_, code) = run_binary(&["shell", "-c", "kubectl get pods"], "");
    assert_eq!(code, 0);
}

#[test]
fn tour_runs_and_is_deterministic() {
    let (a, code) = run_binary(&["tour"], "");
    let (b, _) = run_binary(&["tour"], "");
    assert_eq!(code, 0, "{a}");
    assert_eq!(a, b);
    insta::assert_snapshot!("tour", a);
}

fn run_stderr(args: &[&str]) -> (String, String, i32) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim")).args(args).output().expect("kubesim binary runs");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8 output");
    (text(out.stdout), text(out.stderr), out.status.code().unwrap_or(-1))
}

#[test]
fn run_exits_0_when_expectations_pass_1_when_one_fails_2_for_a_bad_file() {
    let dir = std::env::temp_dir().join(format!("kubesim-run-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("scenario written");
        path.display().to_string()
    };
    let good = write(
        "good.yaml",
        "title: t\nsteps:\n  - kubectl: run web --image=nginx:1.27\n  - expect:\n      pods: {selector: run=web, status: Running, count: 1}\n      within: 30s\n",
    );
    let (out, _, code) = run_stderr(&["run", &good]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("✓ expect 1 pods -l run=web Running"), "{out}");
    let failing = write(
        "failing.yaml",
        "title: t\nseed: 5\nsteps:\n  - expect:\n      field: {object: deployment/web, path: spec.replicas, equals: 2}\n",
    );
    let (out, _, code) = run_stderr(&["run", &failing, "--quiet"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("✗ expect deployment/web spec.replicas = 2: saw deployment/web not found"), "{out}");
    assert!(out.contains(&format!("reproduce with: kubesim run {failing} --seed 5")), "{out}");
    let bad = write("bad.yaml", "title: t\nsteps:\n  - advance: later\n  - apply: nowhere.yaml\n");
    let (out, err, code) = run_stderr(&["run", &bad]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "", "nothing runs");
    assert!(err.contains(&format!("{bad}:3:5: steps[0]: advance:")), "{err}");
    assert!(err.contains(&format!("{bad}:4:5: steps[1]: apply: cannot read manifest nowhere.yaml")), "{err}");
    assert!(err.contains("2 error(s)"), "{err}");
}

/// Runs shell lines with no think time, so the clock moves only when a line says so.
fn run_lines(lines: &[&str]) -> (String, i32) {
    let mut args = vec!["shell", "--think-time", "0s"];
    for line in lines {
        args.extend(["-c", line]);
    }
    run_binary(&args, "")
}

#[test]
fn orphaning_survives_a_conflicting_write_to_the_dependent() {
    // The annotation lands while the collector is removing the ownerReference, so that
    // update meets a 409; the owner's finalizer must wait for the retry.
    let lines = [
        "kubectl create deployment keep --image=nginx:1.27 --replicas=1",
        "advance 10s",
        "kubectl delete deployment keep --cascade=orphan --wait=false",
        "advance 2ms",
        "kubectl annotate rs keep-847dc657d9 touched=yes",
        "advance 10s",
        "kubectl get rs,pods --no-headers",
    ];
    let (out, code) = run_lines(&lines);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\nreplicaset.apps/keep-847dc657d9 "), "{out}");
    assert!(out.contains("pod/keep-847dc657d9-"), "{out}");
}

#[test]
fn during_a_rollback_the_deployment_revision_never_runs_ahead_of_its_history() {
    for wait in ["5ms", "12ms", "30ms"] {
        let advance = format!("advance {wait}");
        let lines = [
            "kubectl create deployment web --image=nginx:1.27 --replicas=2",
            "advance 10s",
            "kubectl set image deployment/web nginx=nginx:1.28",
            "advance 20s",
            "kubectl rollout undo deployment/web",
            advance.as_str(),
            "kubectl rollout history deployment/web",
            "kubectl get deployment web -o yaml",
        ];
        let (out, code) = run_lines(&lines);
        assert_eq!(code, 0, "{out}");
        let revision = out
            .lines()
            .find_map(|l| l.trim().strip_prefix("deployment.kubernetes.io/revision: "))
            .expect("the Deployment has a revision")
            .trim_matches('"');
        assert!(out.lines().any(|l| l.starts_with(&format!("{revision} "))), "after {wait}: {out}");
    }
}
