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
    // The sync that creates the sandbox also pulls and starts: its status, posted as
    // it began, has no IP yet (upstream's ContainerCreating pods show `<none>`).
    assert!(first.contains("NAME   READY   STATUS              RESTARTS   AGE   IP       NODE     NOMINATED NODE   READINESS GATES\nweb    0/1     ContainerCreating   0          1s    <none>   node-2"), "{first}");
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

/// The tour plays the built-in curriculum; each lesson's output is the scenario's own
/// (snapshotted by the scenarios test), so this checks the order, the frame and the exit.
#[test]
fn tour_plays_every_lesson_and_every_expectation_passes() {
    let (a, code) = run_binary(&["tour", "--no-pause"], "");
    let (b, _) = run_binary(&["tour", "--no-pause"], "");
    assert_eq!(code, 0, "{a}");
    assert_eq!(a, b);
    let lessons = kubesim::curriculum::lessons().expect("the curriculum parses");
    for (i, lesson) in lessons.iter().enumerate() {
        let frame = format!("=== Lesson {} of {}: {} ===", i + 1, lessons.len(), lesson.header.title);
        assert!(a.contains(&frame), "{frame}");
    }
    assert!(!a.contains("] ✗ "), "no expectation fails:\n{a}");
    let (one, code) = run_binary(&["tour", "--only", "2"], "");
    assert_eq!(code, 0);
    assert!(one.starts_with(&format!("=== Lesson 2 of {}", lessons.len())), "{one}");
    assert_eq!(one.matches("=== Lesson").count(), 1);
    let (_, err, code) = run_stderr(&["tour", "--only", "99"]);
    assert_eq!(code, 2);
    assert!(err.contains("--only 99: the tour has lessons 1 to"), "{err}");
}

#[test]
fn check_grades_a_manifest_and_compare_prints_json() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let exercise = format!("{root}/scenarios/exercises/service-for-web.yaml");
    let wrong = format!("{root}/tests/tests/submissions/service-wrong-selector.yaml");
    let (out, _, code) = run_stderr(&["check", &exercise, "--with", &wrong, "--quiet"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("reproduce with: kubesim check {exercise} --with {wrong} --seed 0")), "{out}");
    let (out, _, code) = run_stderr(&["run", &exercise]);
    assert_eq!(code, 0, "the solution passes: {out}");
    let (_, err, code) = run_stderr(&["check", &format!("{root}/scenarios/07-label-selectors.yaml"), "--with", &wrong]);
    assert_eq!(code, 2);
    assert!(err.contains("is not an exercise"), "{err}");
    let (_, err, code) = run_stderr(&["check", &exercise, "--with", "/no/such/file.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /no/such/file.yaml"), "{err}");
    let comparison = format!("{root}/scenarios/12-imperative-vs-declarative-image.yaml");
    let (json, _, code) = run_stderr(&["compare", &comparison, "-o", "json"]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(value["tracks"][0]["track"], "imperative");
    assert_eq!(value["tracks"][1]["stateQueries"], 0);
    let (_, err, code) = run_stderr(&["compare", &exercise]);
    assert_eq!(code, 2);
    assert!(err.contains("no `imperative:` and `declarative:` tracks"), "{err}");
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
    assert!(out.contains("✓ expect 1 pod -l run=web Running"), "{out}");
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

#[test]
fn fuzz_finds_and_shrinks_a_counterexample_and_writes_it_as_a_scenario() {
    let dir = std::env::temp_dir().join(format!("kubesim-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join("bare.yaml");
    // A bare Pod is not replaced when its node fails: the desired state cannot survive.
    std::fs::write(
        &file,
        "title: a bare pod\ncluster: {nodes: 3}\nsteps:\n  - kubectl: run web --image=nginx:1.27\ndesired:\n  - pods: {selector: run=web, status: Running, count: 1}\n",
    )
    .expect("scenario written");
    let file = file.display().to_string();
    let (out, _, code) = run_stderr(&["fuzz", &file, "--cases", "256"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("invariant desired: 1 pod -l run=web Running broken"), "{out}");
    let written = dir.join("bare.counterexample.yaml");
    assert!(out.contains(&format!("reproduce with: kubesim run {}", written.display())), "{out}");
    let counterexample = std::fs::read_to_string(&written).expect("the counterexample is written");
    assert!(counterexample.contains("  - kubectl: run web --image=nginx:1.27\n"), "{counterexample}");
    let faults =
        counterexample.lines().filter(|l| ["crash:", "partition:", "kill:"].iter().any(|f| l.contains(f))).count();
    assert!((1..=2).contains(&faults), "shrunk to the fault that matters:\n{counterexample}");
    let (replayed, _, code) = run_stderr(&["run", &written.display().to_string()]);
    assert_eq!(code, 0, "the counterexample is a valid scenario that runs:\n{replayed}");
    let (clean, _, code) = run_stderr(&[
        "fuzz",
        &format!("{}/../scenarios/09-self-healing.yaml", env!("CARGO_MANIFEST_DIR")),
        "--cases",
        "32",
    ]);
    assert_eq!(code, 0, "{clean}");
    assert!(clean.contains("no counterexample in 32 schedules"), "{clean}");
}

#[test]
fn bench_refuses_bad_sizes_before_running_and_prints_figures_for_good_ones() {
    let refused = [
        (&["bench", "--nodes", "0"][..], "--nodes must be at least 1"),
        (&["bench", "--pods", "1000000"][..], "more than kubesim holds (200000"),
        (&["bench", "--nodes", "100000000", "--pods", "10"][..], "MiB of memory and"),
        (&["bench", "huge"][..], "[possible values: small, medium, full, full-rollout, full-node-failure]"),
        (&["bench", "small", "--nodes", "5"][..], "cannot be used with"),
        (&["bench", "small", "--then", "rollout"][..], "cannot be used with"),
        (&["bench", "--then", "explode"][..], "[possible values: nothing, rollout, node-failure]"),
        (&["bench", "--runs", "0"][..], "0 is not in 1..=20"),
        (&["bench", "--runtime", "docker", "--runs", "2"][..], "--runs is for the virtual runtime"),
        (&["bench", "--runtime", "docker", "--services"][..], "--services is for the virtual runtime"),
    ];
    for (args, message) in refused {
        let (_, err, code) = run_stderr(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    let (out, err, code) = run_stderr(&["bench", "--nodes", "3", "--pods", "30", "--then", "rollout", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let report: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(report["report"]["running"], 30);
    for (i, name) in ["start", "rollout"].iter().enumerate() {
        assert_eq!(report["report"]["phases"][i]["name"], *name, "{out}");
        assert_eq!(report["report"]["phases"][i]["done"], true, "{out}");
    }
    assert!(report["peakRssKib"].as_u64().is_some_and(|k| k > 0), "{out}");
}

#[test]
fn bench_runs_each_run_in_a_process_of_its_own_and_summarizes_them() {
    let (out, err, code) = run_stderr(&["bench", "--nodes", "3", "--pods", "30", "--then", "rollout", "--runs", "3"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("  run ").count(), 3, "{err}");
    for expected in ["run 1: start ", "run 3: start ", "rollout:      median ", "over 3 runs", "in all 3 runs"] {
        assert!(out.contains(expected), "{expected}: {out}");
    }
    // Each run is given the same workload: here, with Services.
    let (out, err, code) =
        run_stderr(&["bench", "--nodes", "3", "--pods", "30", "--services", "--runs", "2", "-o", "json"]);
    assert_eq!(code, 0, "{err}");
    let runs: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(runs["runs"].as_array().map(Vec::len), Some(2), "{out}");
    assert!(runs["runs"].as_array().into_iter().flatten().all(|r| r["report"]["services"] == true), "{out}");
    assert_eq!(runs["runs"][0]["report"]["traceHash"], runs["traceHash"], "{out}");
    assert!(runs["phases"][0]["minS"].as_f64() <= runs["phases"][0]["maxS"].as_f64(), "{out}");
}
