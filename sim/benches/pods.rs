//! `cargo bench -p kubesim`: the `small` preset and the 10,000-pod run, printing figures.
//! Speed targets are read from these figures (and from `kubesim bench full`), never
//! asserted.

use kubesim::bench::{self, Then, Workload};

fn main() {
    for (nodes, pods) in [(100, 3_000), (100, 10_000)] {
        println!("{pods} pods on {nodes} nodes:");
        let timed = bench::timed(Workload::new(nodes, pods, Then::Nothing), 0, |_, _, _| {});
        print!("{}", timed.summary());
    }
}
