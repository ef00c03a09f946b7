//! Transcripts of the core kubectl verbs and shell verbs, reviewed and pinned with insta.
//! Each `transcripts/*.shell` script runs on a fresh 3-node cluster with seed 0.

use kubesim::cluster::{Cluster, ClusterConfig};
use kubesim::shell::Shell;

#[test]
fn transcripts() {
    insta::glob!("transcripts/*.shell", |path| {
        let script = std::fs::read_to_string(path).expect("script is readable");
        // Manifests are named relative to this directory, as a learner would type them.
        let dir = path.parent().and_then(|p| p.parent()).expect("tests/ directory");
        std::env::set_current_dir(dir).expect("cd into tests/");
        let mut shell = Shell::new(Cluster::new(ClusterConfig { nodes: 3, seed: 0, ..Default::default() }), 1_000);
        let (transcript, _) = shell.transcript(&script);
        assert_eq!(shell.cluster().violations(), &[]);
        insta::assert_snapshot!(transcript);
    });
}
