//! No input may panic the program: arbitrary shell lines and arbitrary YAML.

use kubesim::cluster::{Cluster, ClusterConfig};
use kubesim::shell::Shell;
use proptest::prelude::*;

fn shell() -> Shell {
    Shell::new(Cluster::new(ClusterConfig { nodes: 2, ..Default::default() }), 1_000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_lines_never_panic(lines in prop::collection::vec(".{0,60}", 1..10)) {
        let mut shell = shell();
        for line in lines {
            let _ = shell.execute(&line);
        }
    }

    #[test]
    fn command_shaped_lines_with_nasty_values_never_panic(lines in prop::collection::vec(shaped_line(), 1..12)) {
        let mut shell = shell();
        shell.execute("kubectl create deployment web --image=nginx:1.27 --replicas=2");
        shell.execute("kubectl run pod --image=nginx:1.27");
        for line in lines {
            let _ = shell.execute(&line);
        }
        let _ = shell.execute("advance 10m");
    }

    #[test]
    fn kubectl_with_arbitrary_arguments_never_panics(args in prop::collection::vec("[-a-z0-9=/.,:]{0,12}", 0..6), verb in prop::sample::select(vec!["get", "describe", "run", "create", "delete", "label", "logs", "apply", "explain", "annotate", "patch", "diff", "expose", "drain", "cordon", "scale", "set", "rollout"])) {
        let mut shell = shell();
        let _ = shell.execute(&format!("kubectl {verb} {}", args.join(" ")));
    }

    #[test]
    fn arbitrary_yaml_never_panics(doc in yaml_document()) {
        let dir = std::env::temp_dir().join(format!("kubesim-robust-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("doc.yaml");
        std::fs::write(&path, &doc).unwrap();
        let mut shell = shell();
        let _ = shell.execute(&format!("kubectl apply -f {}", path.display()));
        let _ = shell.execute(&format!("kubectl create -f {}", path.display()));
        let _ = shell.execute("advance 30s");
        let _ = shell.execute(&format!("kubectl delete -f {}", path.display()));
    }
}

/// Values that break naive arithmetic and parsing.
fn nasty_value() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "0",
        "-1",
        "1",
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999999999999",
        "1e309",
        "NaN",
        "",
        "é",
        "🚀",
        "web",
        "a/b",
        "--",
        "=",
        "1.5",
        "0x10",
        "7d",
        "100000h",
        "1ms",
    ])
    .prop_map(String::from)
}

/// Lines shaped like real commands, with nasty values in every slot.
fn shaped_line() -> impl Strategy<Value = String> {
    let template = prop::sample::select(vec![
        "kubectl run web --image=nginx:1.27 --restart={}",
        "kubectl run {} --image={}",
        "kubectl create deployment web --image=nginx --replicas={}",
        "kubectl scale deployment web --replicas={}",
        "kubectl delete pod web --grace-period={}",
        "kubectl delete pod {} --grace-period={} --force",
        "kubectl get pods -l {}",
        "kubectl get pods -o {}",
        "kubectl label pod web {}={}",
        "kubectl set image deployment/web {}={}",
        "kubectl rollout undo deployment/web --to-revision={}",
        "kubectl logs {} -c {}",
        "kubectl delete deployment web --cascade={}",
        "advance {}",
        "advance {}s",
        "crash node {}",
        "recover node {}",
        "kill pod {} --container {}",
        "explain-why pod/{}",
        "kubectl create namespace {}",
        "kubectl get {} {}",
        "kubectl patch deployment web -p {}",
        "kubectl patch deployment web --type=json -p [{{\"op\":\"{}\",\"path\":\"/spec/replicas\",\"value\":{}}}]",
        "kubectl expose deployment web --port={} --target-port={}",
        "kubectl drain {} --force --grace-period={}",
        "curl {}:{}",
        "curl --from pod {}:{}",
    ]);
    (template, nasty_value(), nasty_value()).prop_map(|(t, a, b)| t.replacen("{}", &a, 1).replacen("{}", &b, 1))
}

/// YAML that is often nearly right: real kinds with mutated fields and values.
fn yaml_document() -> impl Strategy<Value = String> {
    let kind = prop::sample::select(vec![
        ("v1", "Pod"),
        ("v1", "Service"),
        ("apps/v1", "Deployment"),
        ("apps/v1", "ReplicaSet"),
        ("v1", "Namespace"),
        ("apps/v1beta2", "Deployment"),
        ("v1", "Widget"),
        ("v1", "Node"),
    ]);
    let name = prop::sample::select(vec![
        "web",
        "My_Pod",
        "",
        "a-very-long-name-that-goes-on-and-on-and-on-and-on-and-on-and-on-and-on-x",
        "-x",
        "ok.name",
    ]);
    let value = prop::sample::select(vec![
        "nginx:1.27",
        "-1",
        "\"\"",
        "[]",
        "{}",
        "null",
        "3",
        "abc",
        "'100m'",
        "30080",
        "80",
        "9223372036854775807",
        "-9223372036854775808",
        "1e400",
        "2147483648",
    ]);
    let field = prop::sample::select(vec![
        "image",
        "replicas",
        "containerPort",
        "nodePort",
        "cpu",
        "replicass",
        "restartPolicy",
        "port",
        "targetPort",
        "type",
    ]);
    (kind, name, prop::collection::vec((field, value), 0..5), any::<bool>()).prop_map(|((api, kind), name, fields, garble)| {
        let mut doc = format!("apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  labels:\n    app: web\nspec:\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx\n  containers:\n  - name: web\n    image: nginx\n    resources:\n      requests:\n        cpu: 100m\n  ports:\n  - port: 80\n");
        for (f, v) in fields {
            doc.push_str(&format!("  {f}: {v}\n"));
        }
        if garble {
            doc.push_str("  - : [\n");
        }
        doc
    })
}
