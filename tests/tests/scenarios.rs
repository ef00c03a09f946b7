//! Every scenario in `scenarios/` (the numbered curriculum and the exercises): its
//! expectations pass with its own seed, its narrated output and its comparison table are
//! pinned with insta (reviewed), on 20 seeds two runs print and trace the same bytes, the
//! exercises grade wrong answers with their hints, and the README's index of notes is
//! the one the scenarios' `covers` give.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kubesim::scenario::compare::compare;
use kubesim::scenario::notes::NOTES;
use kubesim::scenario::{RunOptions, Scenario, parse, run};

fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).expect("scenario is readable");
    let relative = path.strip_prefix(scenarios_dir()).unwrap_or(path).to_string_lossy().replace('\\', "/");
    let name = format!("scenarios/{relative}");
    let dir = path.parent().expect("scenarios/").to_path_buf();
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).map_err(|e| e.to_string());
    parse(&name, &text, read).unwrap_or_else(|errors| panic!("{name}: {errors:#?}"))
}

/// The numbered scenarios, then the exercises.
fn all_scenarios() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [scenarios_dir(), scenarios_dir().join("exercises")] {
        let mut here: Vec<PathBuf> = std::fs::read_dir(&dir)
            .expect("scenarios/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        here.sort();
        files.extend(here);
    }
    assert!(files.len() > 10, "the curriculum is there");
    files
}

fn seed(seed: u64) -> RunOptions {
    RunOptions { seed: Some(seed), ..Default::default() }
}

#[test]
fn every_scenario_passes_with_its_seed() {
    insta::glob!("../../scenarios", "{*.yaml,exercises/*.yaml}", |path| {
        let scenario = load(path);
        let (report, shell) = run(&scenario, &RunOptions::default());
        assert_eq!(report.failed, 0, "{}", report.transcript);
        assert!(report.passed > 0, "a scenario checks something");
        assert_eq!(shell.cluster().violations(), &[]);
        insta::assert_snapshot!(report.transcript);
    });
}

#[test]
fn comparisons_measure_both_tracks() {
    insta::glob!("../../scenarios", "*.yaml", |path| {
        let scenario = load(path);
        if !scenario.has_tracks() {
            return;
        }
        let comparison = compare(&scenario, &RunOptions::default());
        let [imperative, declarative] = &comparison.tracks[..] else { panic!("two tracks") };
        // The lesson of every comparison: the declarative track reaches the desired state,
        // needs no lookups, is safe to repeat, and restores what drifted.
        assert!(declarative.converged_after_ms.is_some(), "{}", comparison.text());
        assert_eq!(declarative.state_queries, 0);
        assert!(declarative.rerun_errors.is_empty(), "{:?}", declarative.rerun_errors);
        assert!(imperative.state_queries > 0, "an imperative operator looks before acting");
        if let Some(drift) = &declarative.drift {
            assert!(drift.back_after_ms.is_some(), "{}", comparison.text());
        }
        insta::assert_snapshot!(comparison.text());
    });
}

#[test]
fn comparisons_are_byte_identical_run_twice() {
    for path in all_scenarios() {
        let scenario = load(&path);
        if !scenario.has_tracks() {
            continue;
        }
        for s in 0..3 {
            let first = compare(&scenario, &seed(s));
            let second = compare(&scenario, &seed(s));
            assert_eq!(first.text(), second.text(), "{} seed {s}", path.display());
        }
    }
}

#[test]
fn scenarios_are_byte_identical_run_twice_on_20_seeds() {
    let trace = |shell: &kubesim::shell::Shell| -> String {
        let mut trace = String::new();
        shell.cluster().trace().visit(|e| trace += &(e.json() + "\n"));
        trace
    };
    for path in all_scenarios() {
        let scenario = load(&path);
        for s in 0..20 {
            let (first, a) = run(&scenario, &seed(s));
            let (second, b) = run(&scenario, &seed(s));
            assert_eq!(first.transcript, second.transcript, "{} seed {s}", path.display());
            assert_eq!(trace(&a), trace(&b), "{} seed {s}", path.display());
        }
    }
}

#[test]
fn exercises_grade_wrong_answers_with_their_hints() {
    let scenario = load(&scenarios_dir().join("exercises/service-for-web.yaml"));
    let submissions = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/submissions");
    let grade = |file: &str| {
        let text = std::fs::read_to_string(submissions.join(file)).expect("submission");
        let graded = scenario.clone().with_submission(file, &text).expect("an exercise");
        run(&graded, &RunOptions::default()).0
    };
    let wrong_selector = grade("service-wrong-selector.yaml");
    assert_eq!((wrong_selector.passed, wrong_selector.failed), (2, 3), "{}", wrong_selector.transcript);
    for expected in [
        "✗ expect endpoints/web subsets.0.addresses has 2 items: saw <unset>",
        "hint: The Service's endpoints are the Pods its selector matches.",
        "kubesim noticed: Service web selects `app: web` but no Pod has those labels; nearby Pods are labelled `app: shop, component: web`",
        "reproduce with: kubesim run scenarios/exercises/service-for-web.yaml --seed 0",
    ] {
        assert!(wrong_selector.transcript.contains(expected), "{expected}\n{}", wrong_selector.transcript);
    }
    let wrong_port = grade("service-wrong-target-port.yaml");
    assert_eq!((wrong_port.passed, wrong_port.failed), (3, 2), "{}", wrong_port.transcript);
    let noticed =
        "kubesim noticed: Service web sends port 80 to targetPort 8080, but its Pods' containers listen on 80";
    assert!(wrong_port.transcript.contains(noticed), "{}", wrong_port.transcript);
    assert_eq!(wrong_port.transcript.matches("kubesim noticed").count(), 1, "said once");
    assert!(scenario.clone().steps.iter().any(|(_, s)| matches!(s, kubesim::scenario::format::Step::Submit(_))));
    let not_an_exercise = load(&scenarios_dir().join("07-label-selectors.yaml")).with_submission("x.yaml", "");
    assert!(not_an_exercise.expect_err("no slot").contains("is not an exercise"));
}

/// A plausible mistake in an exercise: its solution with one text replaced, or a whole
/// submission from `tests/submissions/`.
enum Mistake {
    Replace(&'static str, &'static str),
    File(&'static str),
}

/// One mistake per exercise, and a line of the hint its grade must print.
const MISTAKES: &[(&str, Mistake, &str)] = &[
    (
        "compose-to-deployment",
        Mistake::Replace("  - port: 8080\n", "  - port: 80\n"),
        "by its name and its port, api:8080",
    ),
    ("declare-what-was-done", Mistake::Replace("replicas: 4", "replicas: 2"), "the three commands made\n        it 3"),
    (
        "deployment-across-nodes",
        Mistake::Replace("    spec:\n      containers:", "    spec:\n      nodeName: node-1\n      containers:"),
        "Leave the choice of nodes to the scheduler",
    ),
    ("fix-the-apiversion", Mistake::Replace("apiVersion: apps/v1", "apiVersion: v1"), "so apiVersion: apps/v1"),
    (
        "nodeport-on-minikube",
        Mistake::Replace("targetPort: 8080", "targetPort: 80"),
        "so the Service's targetPort is 8080",
    ),
    ("pod-for-web", Mistake::Replace("image: nginx:1.27", "image: nginx"), "The image is named with its tag"),
    ("run-on-the-db-node", Mistake::Replace("  nodeSelector:\n    role: db\n", ""), "It needs both."),
    ("select-the-frontend", Mistake::Replace("    tier: frontend\n", ""), "alone matches the admin Pod too"),
    ("service-for-web", Mistake::Replace("nodePort: 30080", "nodePort: 30081"), "Set `nodePort` in the Service's port"),
    ("survive-a-node-crash", Mistake::File("web-bare-pods.yaml"), "Bare Pods die with their node."),
];

#[test]
fn every_exercise_fails_a_plausible_mistake_with_its_hint() {
    let exercises = scenarios_dir().join("exercises");
    let mut names: Vec<String> = all_scenarios()
        .iter()
        .filter(|p| p.starts_with(&exercises))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    let tried: Vec<&str> = MISTAKES.iter().map(|(name, ..)| *name).collect();
    assert_eq!(names, tried, "one mistake per exercise, in file order");
    let submissions = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/submissions");
    for (name, mistake, hint) in MISTAKES {
        let scenario = load(&exercises.join(format!("{name}.yaml")));
        let solution = scenario.header.exercise.as_ref().expect("an exercise").solution.clone();
        let (file, text) = match mistake {
            Mistake::Replace(from, to) => {
                let text = std::fs::read_to_string(exercises.join(&solution)).expect("the solution");
                assert!(text.contains(from), "{name}: the solution has {from:?}");
                ("mistake.yaml", text.replacen(from, to, 1))
            }
            Mistake::File(file) => (*file, std::fs::read_to_string(submissions.join(file)).expect("a submission")),
        };
        let graded = scenario.with_submission(file, &text).expect("an exercise");
        let report = run(&graded, &RunOptions::default()).0;
        assert!(report.failed > 0, "{name}: the mistake passed\n{}", report.transcript);
        assert!(report.transcript.contains(hint), "{name}: no hint {hint:?}\n{}", report.transcript);
        let reproduce = format!("reproduce with: kubesim run scenarios/exercises/{name}.yaml --seed 0");
        assert!(report.transcript.contains(&reproduce), "{name}\n{}", report.transcript);
    }
}

#[test]
fn limits_stop_a_run_that_would_go_on() {
    let scenario = |limits: &str, steps: &str| {
        let text = format!("title: t\nlimits: {limits}\nsteps:\n{steps}");
        parse("t.yaml", &text, |_| Err("no files".into())).expect("valid")
    };
    let timed =
        scenario("{time: 2m}", "  - kubectl: run web --image=nginx\n  - advance: 5m\n  - expect: {pods: {count: 1}}\n");
    let (report, shell) = run(&timed, &RunOptions::default());
    assert!(
        report.transcript.contains("✗ stopped: the scenario reached its time limit of 2m"),
        "{}",
        report.transcript
    );
    assert!(report.transcript.contains("(1 step not run)"), "{}", report.transcript);
    assert_eq!(report.failed, 1);
    assert_eq!(shell.cluster().now().0, 120_000);
    let busy =
        scenario("{events: 500}", "  - kubectl: create deployment web --image=nginx --replicas=30\n  - advance: 1h\n");
    let (report, shell) = run(&busy, &RunOptions::default());
    assert!(report.transcript.contains("processed its limit of 500 events (limits.events)"), "{}", report.transcript);
    assert!(shell.cluster().halted());
    assert!(shell.cluster().now().0 < 3_600_000, "time stopped with the events");
    let waiting = scenario("{}", "  - wait_until: {pods: {count: 1}, timeout: 30s}\n  - say: never\n");
    let (report, _) = run(&waiting, &RunOptions::default());
    assert!(report.transcript.contains("✗ gave up after 30s waiting until 1 pod: saw 0"), "{}", report.transcript);
    assert!(!report.transcript.contains("never"), "the run stopped at the wait");
}

/// The README's index: every note, and the scenarios whose `covers` name it.
fn index_table() -> String {
    let mut covered: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let scenarios: Vec<(String, Scenario)> = all_scenarios()
        .iter()
        .map(|p| {
            let s = load(p);
            (s.file.trim_start_matches("scenarios/").to_string(), s)
        })
        .collect();
    for (file, scenario) in &scenarios {
        for note in &scenario.header.covers {
            let (id, _) = NOTES.iter().find(|(id, _)| id == note).expect("parse checks the ids");
            covered.entry(id).or_default().push(format!("`{file}`"));
        }
    }
    let mut table = String::from("| note | what the notes say | scenarios |\n| --- | --- | --- |\n");
    for (id, text) in NOTES {
        let files = covered.get(id).map(|f| f.join(", ")).unwrap_or_default();
        table.push_str(&format!("| `{id}` | {text} | {files} |\n"));
    }
    table
}

#[test]
fn readme_index_matches_the_scenarios() {
    let readme_path = scenarios_dir().join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("scenarios/README.md");
    let start = "<!-- index: generated by the test `readme_index_matches_the_scenarios`; do not edit by hand -->\n";
    let end = "<!-- end of index -->";
    let (head, rest) = readme.split_once(start).expect("the index's start marker");
    let (current, tail) = rest.split_once(end).expect("the index's end marker");
    let table = index_table();
    if current != table && std::env::var_os("KUBESIM_UPDATE_INDEX").is_some() {
        std::fs::write(&readme_path, format!("{head}{start}{table}{end}{tail}")).expect("README is writable");
        return;
    }
    assert_eq!(current, table, "scenarios/README.md's index is stale: rerun with KUBESIM_UPDATE_INDEX=1");
}

#[test]
fn the_curriculum_covers_every_note_and_the_tour_plays_it() {
    let numbered: Vec<Scenario> = all_scenarios()
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(|c: char| c.is_ascii_digit())))
        .map(|p| load(p))
        .collect();
    let uncovered: Vec<&str> = NOTES
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !numbered.iter().any(|s| s.header.covers.iter().any(|c| c == id)))
        .collect();
    assert_eq!(uncovered, Vec::<&str>::new(), "notes no numbered scenario covers");
    let lessons = kubesim::curriculum::lessons().expect("the built-in curriculum parses");
    let titles = |s: &[Scenario]| s.iter().map(|s| s.header.title.clone()).collect::<Vec<_>>();
    assert_eq!(titles(&lessons), titles(&numbered), "the tour is the numbered scenarios, in order");
}
