//! Every scenario in `scenarios/`: its expectations pass with its own seed, its narrated
//! output is pinned with insta (reviewed), and on 20 seeds two runs print and trace the
//! same bytes.

use std::path::Path;

use kubesim::scenario::{Scenario, parse, run};

fn load(path: &Path) -> Scenario {
    let text = std::fs::read_to_string(path).expect("scenario is readable");
    let name = format!("scenarios/{}", path.file_name().expect("a file").to_string_lossy());
    let dir = path.parent().expect("scenarios/").to_path_buf();
    let read = |p: &str| std::fs::read_to_string(dir.join(p)).map_err(|e| e.to_string());
    parse(&name, &text, read).unwrap_or_else(|errors| panic!("{name}: {errors:#?}"))
}

#[test]
fn every_scenario_passes_with_its_seed() {
    insta::glob!("../../scenarios", "*.yaml", |path| {
        let scenario = load(path);
        let (report, shell) = run(&scenario, None);
        assert_eq!(report.failed, 0, "{}", report.transcript);
        assert!(report.passed > 0, "a scenario checks something");
        assert_eq!(shell.cluster().violations(), &[]);
        insta::assert_snapshot!(report.transcript);
    });
}

#[test]
fn scenarios_are_byte_identical_run_twice_on_20_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let trace = |shell: &kubesim::shell::Shell| -> String {
        shell.cluster().trace().events().iter().map(|e| e.json() + "\n").collect()
    };
    for path in &files {
        let scenario = load(path);
        for seed in 0..20 {
            let (first, a) = run(&scenario, Some(seed));
            let (second, b) = run(&scenario, Some(seed));
            assert_eq!(first.transcript, second.transcript, "{} seed {seed}", path.display());
            assert_eq!(trace(&a), trace(&b), "{} seed {seed}", path.display());
        }
    }
}
