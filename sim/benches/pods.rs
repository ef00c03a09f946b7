//! `cargo bench -p kubesim`: the workload (10,000 pods on 100 nodes) and a smaller
//! one, printing figures. Speed targets are read from these figures, never asserted.

fn main() {
    for (nodes, pods) in [(10, 1_000), (100, 10_000)] {
        println!("{pods} pods on {nodes} nodes:");
        let timed = kubesim::bench::timed(nodes, pods, 0, |_, _| {});
        print!("{}", timed.summary());
    }
}
