//! The `kubesim` command line: `main` parses, `try_main` acts, exit codes say how it went.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kubesim::cluster::{Cluster, ClusterConfig};
use kubesim::engine::time::parse_duration_ms;
use kubesim::shell::Shell;

/// A deterministic Kubernetes cluster simulator for teaching.
#[derive(Parser)]
#[command(
    name = "kubesim",
    version,
    after_help = "Examples:\n  kubesim tour\n  kubesim shell --nodes 3 --seed 7\n  kubesim shell --nodes 3 < script.txt\n  kubesim bench --nodes 100 --pods 10000"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Walk through the teaching tour: a Pod's life from `kubectl run` to a crashed node.
    #[command(after_help = "Example:\n  kubesim tour\n  kubesim tour --trace tour.jsonl")]
    Tour(TourArgs),
    /// A simulated cluster at your fingertips: kubectl plus advance, crash, recover, explain-why.
    #[command(
        after_help = "Examples:\n  kubesim shell --nodes 3 --seed 7\n  kubesim shell --nodes 3 < script.txt        # prints a transcript\n  kubesim shell -c 'kubectl run web --image=nginx' -c 'advance 10s' -c 'kubectl get pods'"
    )]
    Shell(ShellArgs),
    /// Play a scenario file: narrated steps, checked expectations, exit 0 iff all pass.
    #[command(
        after_help = "Examples:\n  kubesim run scenarios/07-label-selectors.yaml\n  kubesim run scenarios/07-label-selectors.yaml --trace run.jsonl\n\nExit status: 0 all expectations passed, 1 some failed, 2 the file has errors (all listed, nothing run)."
    )]
    Run(RunArgs),
    /// Measure the simulator: create pods on nodes and run until all are Running.
    #[command(after_help = "Example:\n  kubesim bench --nodes 100 --pods 10000")]
    Bench(BenchArgs),
}

#[derive(Args)]
struct ClusterArgs {
    /// Number of worker nodes.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Seed for every random choice (same seed, same run).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Write the trace (one JSON line per event) to this file.
    #[arg(long, value_name = "FILE.jsonl")]
    trace: Option<PathBuf>,
    /// Simulated time that passes after each kubectl command that changes the cluster.
    #[arg(long, default_value = "1s")]
    think_time: String,
    /// Delay between a write to the apiserver and a component seeing it.
    #[arg(long, default_value = "5ms")]
    watch_latency: String,
    /// Add images to the catalog from a YAML file (`images: {name: {pull: 2s, ...}}`).
    #[arg(long, value_name = "FILE.yaml")]
    images: Option<PathBuf>,
}

#[derive(Args)]
struct ShellArgs {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// Run this line and exit (repeatable); the exit status is 1 if any line failed.
    #[arg(short = 'c', long = "command", value_name = "LINE")]
    commands: Vec<String>,
}

#[derive(Args)]
struct TourArgs {
    /// Write the trace (one JSON line per event) to this file.
    #[arg(long, value_name = "FILE.jsonl")]
    trace: Option<PathBuf>,
}

#[derive(Args)]
struct RunArgs {
    /// The scenario file (YAML; `scenarios/README.md` documents the format).
    file: PathBuf,
    /// Seed for every random choice, instead of the file's.
    #[arg(long)]
    seed: Option<u64>,
    /// Write the trace (one JSON line per event) to this file.
    #[arg(long, value_name = "FILE.jsonl")]
    trace: Option<PathBuf>,
    /// Print only the expectations' results and the summary.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct BenchArgs {
    /// Nodes.
    #[arg(long, default_value_t = 100)]
    nodes: usize,
    /// Pods to create.
    #[arg(long, default_value_t = 10_000)]
    pods: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// The tour's scripts, in order.
const TOUR: &[(&str, &str)] = &[
    ("The cluster", include_str!("../../scenarios/tour/01-cluster.shell")),
    ("Imperative: the first Pod", include_str!("../../scenarios/tour/02-imperative-pod.shell")),
    ("Declarative: a manifest", include_str!("../../scenarios/tour/03-declarative-pod.shell")),
    ("When containers fail", include_str!("../../scenarios/tour/04-failing-containers.shell")),
    ("When a node fails", include_str!("../../scenarios/tour/05-node-failure.shell")),
    ("Deployments keep Pods alive", include_str!("../../scenarios/tour/06-deployment.shell")),
];

/// The tour's seed: its narration names the nodes this seed's scheduler picks.
const TOUR_SEED: u64 = 0;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match try_main(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

fn try_main(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Shell(args) => shell(args),
        Command::Tour(args) => tour(args),
        Command::Run(args) => run(args),
        Command::Bench(args) => bench(args),
    }
}

fn new_shell(args: &ClusterArgs) -> Result<Shell, String> {
    let think = parse_duration_ms(&args.think_time).map_err(|e| format!("--think-time: {e}"))?;
    let watch_latency_ms = parse_duration_ms(&args.watch_latency).map_err(|e| format!("--watch-latency: {e}"))?;
    let mut config = ClusterConfig { nodes: args.nodes, seed: args.seed, watch_latency_ms, ..Default::default() };
    if let Some(path) = &args.images {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        config.catalog.load_file(&path.display().to_string(), &text)?;
    }
    let cluster = Cluster::new(config);
    Ok(Shell::new(cluster, think))
}

fn write_trace(shell: &Shell, path: &Option<PathBuf>) -> Result<(), String> {
    let Some(path) = path else { return Ok(()) };
    let mut text = String::new();
    for event in shell.cluster().trace().events() {
        text.push_str(&event.json());
        text.push('\n');
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn status(failed: bool) -> ExitCode {
    if failed { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

fn shell(args: ShellArgs) -> Result<ExitCode, String> {
    let mut shell = new_shell(&args.cluster)?;
    let stdin = std::io::stdin();
    let failed = if !args.commands.is_empty() {
        let mut failed = false;
        for line in &args.commands {
            let out = shell.execute(line);
            print!("{}", out.text);
            failed |= out.failed;
        }
        failed
    } else if stdin.is_terminal() {
        println!(
            "kubesim shell: {} nodes, seed {}. Type `help` for the verbs, `exit` to leave.",
            args.cluster.nodes, args.cluster.seed
        );
        let mut stdout = std::io::stdout();
        let mut lines = stdin.lock().lines();
        loop {
            print!("{}", if shell.in_heredoc() { "> " } else { "kubesim> " });
            stdout.flush().map_err(|e| e.to_string())?;
            let Some(line) = lines.next() else { break };
            let Some(out) = shell.feed(&line.map_err(|e| e.to_string())?) else { continue };
            print!("{}", out.text);
            if out.quit {
                break;
            }
        }
        false
    } else {
        let mut script = String::new();
        for line in stdin.lock().lines() {
            script.push_str(&line.map_err(|e| format!("reading stdin: {e}"))?);
            script.push('\n');
        }
        let (text, failed) = shell.transcript(&script);
        print!("{text}");
        failed
    };
    write_trace(&shell, &args.cluster.trace)?;
    Ok(status(failed))
}

fn run(args: RunArgs) -> Result<ExitCode, String> {
    let file = args.file.display().to_string();
    let text = std::fs::read_to_string(&args.file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let dir = args.file.parent().map(PathBuf::from).unwrap_or_default();
    let read = |path: &str| std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string());
    let scenario = match kubesim::scenario::parse(&file, &text, read) {
        Ok(s) => s,
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{} error(s) in {file}; nothing was run", errors.len());
            return Ok(ExitCode::from(2));
        }
    };
    let (report, shell) = kubesim::scenario::run(&scenario, args.seed);
    if args.quiet {
        let result =
            |l: &&str| ["] ✓ ", "] ✗ ", "  reproduce with: ", " expectations passed, "].iter().any(|m| l.contains(m));
        report.transcript.lines().filter(result).for_each(|l| println!("{l}"));
    } else {
        print!("{}", report.transcript);
    }
    write_trace(&shell, &args.trace)?;
    Ok(status(report.failed > 0))
}

fn tour(args: TourArgs) -> Result<ExitCode, String> {
    let cluster = ClusterArgs {
        nodes: 3,
        seed: TOUR_SEED,
        trace: args.trace,
        think_time: "1s".into(),
        watch_latency: "5ms".into(),
        images: None,
    };
    let mut shell = new_shell(&cluster)?;
    for (i, (title, script)) in TOUR.iter().enumerate() {
        println!("=== Part {} of {}: {title} ===", i + 1, TOUR.len());
        // The tour shows mistakes on purpose; their errors are part of the story.
        let (text, _) = shell.transcript(script);
        print!("{text}");
    }
    write_trace(&shell, &cluster.trace)?;
    Ok(ExitCode::SUCCESS)
}

fn bench(args: BenchArgs) -> Result<ExitCode, String> {
    println!("kubesim bench: {} pods on {} nodes (seed {})", args.pods, args.nodes, args.seed);
    let timed = kubesim::bench::timed(args.nodes, args.pods, args.seed, |done, total| {
        eprint!("\r  {done}/{total} pods running");
    });
    eprintln!();
    print!("{}", timed.summary());
    Ok(status(timed.report.running < args.pods))
}
