//! The `kubesim` command line: `main` parses, `try_main` acts, exit codes say how it went.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use kubesim::cluster::{Cluster, ClusterConfig};
use kubesim::engine::time::parse_duration_ms;
use kubesim::report::Timeline;
use kubesim::scenario::{RunOptions, Scenario};
use kubesim::shell::Shell;

/// mimalloc instead of glibc's malloc: a large run allocates and frees millions of small
/// objects, and glibc's free-list consolidation took a quarter of the `medium` bench. Built
/// without transparent huge pages (feature `no_thp`): the kernel zeroed 2 MiB pages that
/// mimalloc then purged and touched again, 5 s of system time in the `full` bench (1.2 s
/// with 4 KiB pages).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Walk through the curriculum: every numbered scenario of `scenarios/`, narrated, in order.
    #[command(
        after_help = "Examples:\n  kubesim tour                 # pauses between lessons at a terminal\n  kubesim tour --no-pause | less\n  kubesim tour --only 6\n\nExit status: 0 when every expectation of every lesson passed, 1 otherwise."
    )]
    Tour(TourArgs),
    /// A simulated cluster at your fingertips: kubectl plus advance, crash, recover, explain-why.
    #[command(
        after_help = "Examples:\n  kubesim shell --nodes 3 --seed 7\n  kubesim shell --nodes 3 < script.txt        # prints a transcript\n  kubesim shell -c 'kubectl run web --image=nginx' -c 'advance 10s' -c 'kubectl get pods'"
    )]
    Shell(ShellArgs),
    /// Play a scenario file: narrated steps, checked expectations, exit 0 iff all pass.
    #[command(
        after_help = "Examples:\n  kubesim run scenarios/09-self-healing.yaml\n  kubesim run scenarios/09-self-healing.yaml --explain --trace run.jsonl\n  kubesim run scenarios/09-self-healing.yaml --seed 7 --quiet\n\nExit status: 0 all expectations passed, 1 some failed, 2 the file has errors (all listed, nothing run)."
    )]
    Run(RunArgs),
    /// Grade your manifest with an exercise scenario: its expectations, and hints when they fail.
    #[command(
        after_help = "Examples:\n  kubesim check scenarios/exercises/service-for-web.yaml --with my-service.yaml\n\nExit status: 0 all expectations passed, 1 some failed, 2 the scenario or your file cannot be read."
    )]
    Check(CheckArgs),
    /// Run a scenario's imperative and declarative tracks on identical clusters and measure both.
    #[command(
        after_help = "Examples:\n  kubesim compare scenarios/12-imperative-vs-declarative-image.yaml\n  kubesim compare scenarios/12-imperative-vs-declarative-image.yaml -o json\n\nExit status: 0 when both tracks ran, 2 when the file has errors or no tracks."
    )]
    Compare(CompareArgs),
    /// Play a scenario on real Docker containers and compare each check with the simulation,
    /// or play a `kubesim serve --record` file again.
    #[command(
        after_help = "Examples:\n  kubesim replay scenarios/09-self-healing.yaml --runtime docker --speed 10\n  kubesim replay scenarios/06-services-nodeport.yaml --runtime docker --keep   # then: docker ps -a --filter label=io.kubesim.managed\n  kubesim replay session.jsonl --trace replayed.jsonl   # a record of `kubesim serve`\n\nA scenario needs a Docker engine (no registry: kubesim imports its own workload image). Exit status: 0 every check held on Docker (a record: replayed), 1 one did not, 2 no engine or a bad file."
    )]
    Replay(ReplayArgs),
    /// Serve a simulated cluster to the real kubectl: a Kubernetes API on HTTPS, with a kubeconfig.
    #[cfg(feature = "serve")]
    #[command(
        after_help = "Examples:\n  kubesim serve --nodes 3                      # then, in another terminal:\n  export KUBECONFIG=$PWD/kubesim.kubeconfig; kubectl get nodes\n  kubesim serve --port 0 --speed 10 --record session.jsonl\n  kubesim serve --speed manual                 # time moves with `kubesim ctl advance 30s`\n\nThe API server listens on loopback with a certificate authority and a bearer token made at start, both in the kubeconfig (mode 0600). Stop with Ctrl-C: the record and the trace are complete then."
    )]
    Serve(ServeArgs),
    /// Talk to a running `kubesim serve`: advance time, crash or recover nodes, curl a Service...
    #[cfg(feature = "serve")]
    #[command(
        after_help = "Examples:\n  kubesim ctl advance 30s\n  kubesim ctl crash node kind-worker2\n  kubesim ctl recover node kind-worker2\n  kubesim ctl curl 172.18.0.2:30080\n  kubesim ctl explain-why deployment/web\n\nAny line of `kubesim shell` works. The server is found through --kubeconfig (or $KUBECONFIG). Exit status: 0 the line succeeded, 1 it failed, 2 no server."
    )]
    Ctl(CtlArgs),
    /// Docker housekeeping: remove what replays left behind.
    #[cfg(feature = "docker")]
    #[command(subcommand)]
    Docker(DockerCommand),
    /// Run a scenario's workload under generated fault schedules; report a shrunk counterexample.
    #[command(
        after_help = "Examples:\n  kubesim fuzz scenarios/09-self-healing.yaml --cases 500\n  kubesim fuzz scenarios/13-imperative-vs-declarative-drift.yaml --controller deployment-controller --seed 7\n\nThe workload is the scenario's kubectl and apply steps; the invariants are kubesim's own plus the scenario's `desired:` state once the faults are healed. Controller faults (stale watch, lost events, crashes, conflicts, time travel) strike --controller. A failure is written, shrunk, to FILE.counterexample.yaml. Exit status: 0 none found, 1 a counterexample, 2 a bad file."
    )]
    Fuzz(FuzzArgs),
    /// Draw a saved trace (`kubesim run FILE --trace T.jsonl`) as the HTML timeline.
    #[command(
        after_help = "Examples:\n  kubesim run scenarios/09-self-healing.yaml --trace run.jsonl\n  kubesim report run.jsonl --html run.html\n\nExit status: 0 written, 2 the trace cannot be read (the message names the line)."
    )]
    Report(ReportArgs),
    /// Measure the simulator: Deployments of many pods on many nodes, until all run (and more, by preset).
    #[command(
        after_help = "Examples:\n  kubesim bench small\n  kubesim bench full --runs 5       # the median of five, each run a process of its own\n  kubesim bench full-rollout -o json\n  kubesim bench --nodes 500 --pods 15000 --then node-failure\n  kubesim bench medium --services   # a Service in front of each Deployment\n  kubesim bench --runtime docker --nodes 2 --pods 10\n\nExit status: 0 every pod ran (and, with --runs, every run simulated the same), 1 not, 2 bad arguments."
    )]
    Bench(BenchArgs),
}

#[derive(Args)]
struct ClusterArgs {
    /// Number of worker nodes.
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Seed for every random choice (same seed, same run) [default: 0, or a scenario's own].
    #[arg(long)]
    seed: Option<u64>,
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
    /// Do not wait for Enter between lessons (the default when not at a terminal).
    #[arg(long)]
    no_pause: bool,
    /// Play only this lesson (its number).
    #[arg(long, value_name = "N")]
    only: Option<usize>,
}

#[derive(Args)]
struct ScenarioArgs {
    /// The scenario file (YAML; `scenarios/README.md` documents the format).
    file: PathBuf,
    /// Seed for every random choice, instead of the file's.
    #[arg(long)]
    seed: Option<u64>,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Write the trace (one JSON line per event) to this file.
    #[arg(long, value_name = "FILE.jsonl")]
    trace: Option<PathBuf>,
    /// Print the causal chain behind every expectation, not only failed ones.
    #[arg(long)]
    explain: bool,
    /// Print only the expectations' results and the summary.
    #[arg(long)]
    quiet: bool,
    /// Draw the run as one self-contained HTML page: the cluster at any moment, a
    /// timeline, the events and the story.
    #[arg(long, value_name = "FILE.html")]
    html: Option<PathBuf>,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    run: RunArgs,
    /// Your manifest, applied where the exercise leaves a slot for it.
    #[arg(long = "with", value_name = "MANIFEST.yaml")]
    with: PathBuf,
}

#[derive(Args)]
struct CompareArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Output format: the narrated runs and a table, or `json`.
    #[arg(short = 'o', long = "output", value_name = "FORMAT", value_parser = ["table", "json"], default_value = "table")]
    output: String,
    /// Draw both tracks as HTML timelines, side by side, in one page.
    #[arg(long, value_name = "FILE.html")]
    html: Option<PathBuf>,
}

#[derive(Args)]
struct ReplayArgs {
    #[command(flatten)]
    scenario: ScenarioArgs,
    /// Where to run the containers (only `docker` so far).
    #[arg(long, value_parser = ["docker"], default_value = "docker")]
    runtime: String,
    /// Simulated seconds per wall second: 10 runs the scenario ten times faster
    /// (timeouts, grace periods and the workload's own delays are scaled).
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// Leave the containers and the network in place afterwards (remove them with
    /// `kubesim docker clean`).
    #[arg(long)]
    keep: bool,
    /// A record's replay: write its trace (one JSON line per event) to this file.
    #[arg(long, value_name = "FILE.jsonl")]
    trace: Option<PathBuf>,
    /// A record's replay: draw it as an HTML timeline.
    #[arg(long, value_name = "FILE.html")]
    html: Option<PathBuf>,
}

#[cfg(feature = "serve")]
#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    cluster: ClusterArgs,
    /// Serve the cluster of this scenario (its nodes, images and seed) instead of --nodes.
    #[arg(long, value_name = "FILE.yaml", conflicts_with_all = ["nodes", "images"])]
    scenario: Option<PathBuf>,
    /// The address to listen on; anything but loopback is reachable from elsewhere.
    #[arg(long, default_value = "127.0.0.1")]
    address: std::net::IpAddr,
    /// The port (0: any free one).
    #[arg(long, default_value_t = 6443)]
    port: u16,
    /// Where to write the kubeconfig.
    #[arg(long, default_value = "kubesim.kubeconfig")]
    kubeconfig: PathBuf,
    /// Simulated time per wall time: `realtime`, a factor such as `10`, or `manual`.
    #[arg(long, default_value = "realtime")]
    speed: String,
    /// Record the seed and every input here, for `kubesim replay FILE`.
    #[arg(long, value_name = "FILE.jsonl")]
    record: Option<PathBuf>,
}

#[cfg(feature = "serve")]
#[derive(Args)]
struct CtlArgs {
    /// The kubeconfig `kubesim serve` wrote [default: $KUBECONFIG, else kubesim.kubeconfig].
    #[arg(long)]
    kubeconfig: Option<String>,
    /// The shell line, e.g. `advance 30s`.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    line: Vec<String>,
}

#[cfg(feature = "docker")]
#[derive(Subcommand)]
enum DockerCommand {
    /// Remove containers and networks kubesim made: by default those of replays that
    /// are no longer running; containers without kubesim's labels are never touched.
    #[command(after_help = "Examples:\n  kubesim docker clean\n  kubesim docker clean --all-runs")]
    Clean {
        /// Also remove what replays still running are using.
        #[arg(long)]
        all_runs: bool,
    },
}

#[derive(Args)]
struct FuzzArgs {
    /// The scenario file.
    file: PathBuf,
    /// How many fault schedules to try.
    #[arg(long, default_value_t = 256)]
    cases: u32,
    /// Which schedules: the same seed tries the same ones.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The controller the controller-level faults strike.
    #[arg(long, default_value = "replicaset-controller")]
    controller: String,
    /// Draw the counterexample's run (as `kubesim run` replays it) as an HTML timeline.
    #[arg(long, value_name = "FILE.html")]
    html: Option<PathBuf>,
}

#[derive(Args)]
struct ReportArgs {
    /// The trace file (JSON lines).
    trace: PathBuf,
    /// Where to write the page.
    #[arg(long, value_name = "FILE.html", required = true)]
    html: PathBuf,
}

#[derive(Args)]
struct BenchArgs {
    /// A named benchmark instead of --nodes/--pods: small (100 nodes, 3,000 pods),
    /// medium (1,000 nodes, 30,000 pods), full (5,000 nodes, 150,000 pods in 50
    /// Deployments of 3,000), full-rollout (full, then a new image everywhere),
    /// full-node-failure (full, then every tenth node crashes, then recovers).
    #[arg(value_name = "PRESET", value_parser = ["small", "medium", "full", "full-rollout", "full-node-failure"])]
    preset: Option<String>,
    /// Nodes.
    #[arg(long, default_value_t = 100, conflicts_with = "preset")]
    nodes: usize,
    /// Pods to create (in Deployments of at most 3,000 replicas).
    #[arg(long, default_value_t = 10_000, conflicts_with = "preset")]
    pods: usize,
    /// What follows once they run: nothing, a rollout of a new image, or the crash and
    /// recovery of every tenth node.
    #[arg(long, value_enum, default_value = "nothing", conflicts_with = "preset")]
    then: kubesim::bench::Then,
    /// A Service in front of each Deployment: the endpoint controllers then follow
    /// every pod.
    #[arg(long)]
    services: bool,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output format: text, or `json` for machines.
    #[arg(short = 'o', long = "output", value_parser = ["text", "json"], default_value = "text")]
    output: String,
    /// `virtual` (the simulator's speed) or `docker` (pod start latency on real
    /// containers, through kubesim and bare, in one run; try --nodes 2 --pods 10).
    #[arg(long, value_parser = ["virtual", "docker"], default_value = "virtual")]
    runtime: String,
    /// Runs, each in a process of its own: prints each, the median and spread of the wall
    /// times, and fails if any run simulated something else (virtual runtime only).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=20))]
    runs: u32,
}

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
        Command::Run(args) => run(args, None),
        Command::Check(args) => run(args.run, Some(args.with)),
        Command::Compare(args) => compare(args),
        Command::Bench(args) => bench(args),
        Command::Report(args) => report(args),
        Command::Fuzz(args) => fuzz(args),
        Command::Replay(args) => replay(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve(args),
        #[cfg(feature = "serve")]
        Command::Ctl(args) => ctl(args),
        #[cfg(feature = "docker")]
        Command::Docker(DockerCommand::Clean { all_runs }) => docker_clean(all_runs),
    }
}

fn new_shell(args: &ClusterArgs) -> Result<Shell, String> {
    let think = parse_duration_ms(&args.think_time).map_err(|e| format!("--think-time: {e}"))?;
    let watch_latency_ms = parse_duration_ms(&args.watch_latency).map_err(|e| format!("--watch-latency: {e}"))?;
    let seed = args.seed.unwrap_or(0);
    let mut config = ClusterConfig { nodes: args.nodes, seed, watch_latency_ms, ..Default::default() };
    if let Some(path) = &args.images {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        config.catalog.load_file(&path.display().to_string(), &text)?;
    }
    let cluster = Cluster::new(config);
    Ok(Shell::new(cluster, think))
}

/// A cluster shell as `kubesim serve` and the replay of its record make it.
#[cfg(feature = "serve")]
fn served_shell(header: &kubesim::serve::record::Header) -> Result<Shell, String> {
    kubesim::engine::time::set_epoch_unix_s(header.epoch_unix_s);
    if let Some(recorded) = &header.scenario {
        let read = |path: &str| recorded.files.get(path).cloned().ok_or_else(|| format!("{path} is not in the record"));
        let scenario = kubesim::scenario::parse(&recorded.name, &recorded.text, read).map_err(|errors| {
            let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
            listed.join("\n")
        })?;
        let options = RunOptions { seed: Some(header.seed), ..Default::default() };
        let mut config = kubesim::scenario::run::cluster_config(&scenario, &options);
        config.watch_latency_ms = header.watch_latency_ms;
        config.log_changes = true;
        return Ok(Shell::new(Cluster::new(config), 0));
    }
    // The server feeds its watches from the change log.
    let mut config = ClusterConfig {
        nodes: header.nodes,
        seed: header.seed,
        watch_latency_ms: header.watch_latency_ms,
        log_changes: true,
        ..Default::default()
    };
    if let Some(text) = &header.images {
        config.catalog.load_file("--images", text)?;
    }
    // No think time: the clock, or `kubesim ctl advance`, moves time.
    Ok(Shell::new(Cluster::new(config), 0))
}

#[cfg(feature = "serve")]
fn serve(args: ServeArgs) -> Result<ExitCode, String> {
    use kubesim::serve::{Options, Speed, record::Header};
    let speed = match args.speed.as_str() {
        "realtime" => Speed::Factor(1.0),
        "manual" => Speed::Manual,
        factor => match factor.parse::<f64>() {
            Ok(f) if f > 0.0 && f <= 1000.0 => Speed::Factor(f),
            _ => {
                return Err(format!(
                    "--speed {factor:?}: expected `realtime`, `manual` or a factor between 0 and 1000 (e.g. 10)"
                ));
            }
        },
    };
    if args.cluster.nodes == 0 || args.cluster.nodes > 5000 {
        return Err(format!("--nodes {}: expected 1 to 5000", args.cluster.nodes));
    }
    let (scenario, seed) = match &args.scenario {
        Some(path) => {
            let (recorded, own_seed) = record_scenario(path)?;
            (Some(recorded), args.cluster.seed.unwrap_or(own_seed))
        }
        None => (None, args.cluster.seed.unwrap_or(0)),
    };
    let watch_latency_ms =
        parse_duration_ms(&args.cluster.watch_latency).map_err(|e| format!("--watch-latency: {e}"))?;
    let images = match &args.cluster.images {
        Some(path) => Some(std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?),
        None => None,
    };
    // Simulated time starts now on the calendar, so the real kubectl's own clock agrees
    // with the timestamps (`describe` computes ages from it).
    #[allow(clippy::disallowed_types, clippy::disallowed_methods)]
    let epoch_unix_s = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| format!("the system clock is before 1970: {e}"))?
        .as_secs();
    let header =
        Header { kubesim_record: 1, seed, nodes: args.cluster.nodes, watch_latency_ms, epoch_unix_s, images, scenario };
    let shell = served_shell(&header)?;
    let options = Options {
        address: args.address,
        port: args.port,
        kubeconfig: args.kubeconfig.clone(),
        speed,
        record: args.record.clone(),
    };
    let shell = kubesim::serve::serve(shell, header, &options, |text| {
        print!("{text}");
        let _ = std::io::stdout().flush();
    })?;
    write_trace(&shell, &args.cluster.trace)?;
    eprintln!("kubesim serve: stopped at {} simulated", shell.cluster().now());
    Ok(ExitCode::SUCCESS)
}

/// Reads a scenario for `kubesim serve --scenario`, with the files it includes, and
/// checks it (errors listed as `kubesim run` lists them).
#[cfg(feature = "serve")]
fn record_scenario(path: &std::path::Path) -> Result<(kubesim::serve::record::RecordedScenario, u64), String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let dir = path.parent().map(PathBuf::from).unwrap_or_default();
    let files = std::cell::RefCell::new(std::collections::BTreeMap::new());
    let read = |included: &str| {
        let content = std::fs::read_to_string(dir.join(included)).map_err(|e| e.to_string())?;
        files.borrow_mut().insert(included.to_string(), content.clone());
        Ok(content)
    };
    let scenario = kubesim::scenario::parse(&name, &text, read).map_err(|errors| {
        let listed: Vec<String> = errors.iter().map(ToString::to_string).collect();
        format!("{}\n{} error(s) in {name}; nothing was served", listed.join("\n"), errors.len())
    })?;
    let seed = scenario.header.seed;
    Ok((kubesim::serve::record::RecordedScenario { name, text, files: files.into_inner() }, seed))
}

#[cfg(feature = "serve")]
fn ctl(args: CtlArgs) -> Result<ExitCode, String> {
    // $KUBECONFIG may list several files: the first is the one `kubesim serve` wrote.
    let from_env = std::env::var("KUBECONFIG").ok().filter(|v| !v.is_empty());
    let configured = args.kubeconfig.or(from_env).unwrap_or_else(|| "kubesim.kubeconfig".into());
    let path = configured.split(':').next().unwrap_or_default();
    let endpoint = kubesim::serve::kubeconfig::read(std::path::Path::new(path))?;
    let answer = kubesim::serve::client::shell_line(&endpoint, &args.line.join(" "))?;
    print!("{}", answer.text);
    Ok(status(answer.failed))
}

#[cfg(feature = "serve")]
fn replay_record(args: &ReplayArgs, text: &str) -> Result<ExitCode, String> {
    let name = args.scenario.file.display().to_string();
    let (header, entries) = kubesim::serve::record::parse(&name, text)?;
    let mut shell = served_shell(&header)?;
    kubesim::serve::replay(&mut shell, &entries);
    let trace = shell.cluster().trace();
    println!(
        "replayed {} inputs of {name} on {}: stopped at {}, {} trace events, trace hash {}",
        entries.iter().filter(|e| !matches!(e.input, kubesim::serve::record::Input::End)).count(),
        header.describe(),
        shell.cluster().now(),
        trace.len(),
        trace.hash_hex(),
    );
    write_trace(&shell, &args.trace)?;
    if let Some(path) = &args.html {
        let changes = shell.cluster_mut().take_changes();
        let cluster = shell.cluster();
        let title = format!("kubesim serve session {name}");
        let subtitle = format!("replayed on {}", header.describe());
        let timeline = Timeline::new(&title, &subtitle, cluster.now().as_ms(), cluster.trace(), &changes);
        write_html(path, &timeline)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn report(args: ReportArgs) -> Result<ExitCode, String> {
    let name = args.trace.display().to_string();
    let text = std::fs::read_to_string(&args.trace).map_err(|e| format!("cannot read {name}: {e}"))?;
    let timeline = Timeline::from_trace(&name, &text)?;
    write_html(&args.html, &timeline)?;
    Ok(ExitCode::SUCCESS)
}

/// The timeline of a scenario's run: written as a trace with states, or as the page.
fn draw(
    file: &str,
    scenario: &Scenario,
    report: &kubesim::scenario::Report,
    shell: &mut Shell,
    trace: Option<&std::path::Path>,
    html: Option<&std::path::Path>,
) -> Result<(), String> {
    let nodes: Vec<String> = shell.cluster().node_names().cloned().collect();
    let subtitle = format!("kubesim run {file} · seed {} · {}", shell.cluster().config().seed, nodes.join(", "));
    let changes = shell.cluster_mut().take_changes();
    let cluster = shell.cluster();
    let end = cluster.now().as_ms();
    let mut timeline = Timeline::new(&scenario.header.title, &subtitle, end, cluster.trace(), &changes);
    timeline.tell(&report.transcript, &report.checks);
    if let Some(path) = trace {
        std::fs::write(path, timeline.trace_jsonl()).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    if let Some(path) = html {
        write_html(path, &timeline)?;
    }
    Ok(())
}

/// Writes the page and says where, and how big it is.
fn write_html(path: &std::path::Path, timeline: &Timeline) -> Result<(), String> {
    let page = timeline.html();
    std::fs::write(path, &page).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!(
        "wrote {} ({} KiB, {} events): open it in a browser",
        path.display(),
        page.len().div_ceil(1024),
        timeline.events.len()
    );
    Ok(())
}

fn write_trace(shell: &Shell, path: &Option<PathBuf>) -> Result<(), String> {
    let Some(path) = path else { return Ok(()) };
    let mut text = String::new();
    shell.cluster().trace().visit(|event| {
        text.push_str(&event.json());
        text.push('\n');
    });
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
            args.cluster.nodes,
            args.cluster.seed.unwrap_or(0)
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

/// Reads and checks a scenario file; on errors prints them all and returns exit status 2.
fn load_scenario(file: &PathBuf) -> Result<Result<Scenario, ExitCode>, String> {
    let name = file.display().to_string();
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {name}: {e}"))?;
    let dir = file.parent().map(PathBuf::from).unwrap_or_default();
    let read = |path: &str| std::fs::read_to_string(dir.join(path)).map_err(|e| e.to_string());
    Ok(kubesim::scenario::parse(&name, &text, read).map_err(|errors| {
        for e in &errors {
            eprintln!("{e}");
        }
        eprintln!("{} error(s) in {name}; nothing was run", errors.len());
        ExitCode::from(2)
    }))
}

/// `kubesim run`, or with the learner's manifest `kubesim check`.
fn run(args: RunArgs, submission: Option<PathBuf>) -> Result<ExitCode, String> {
    let scenario = match load_scenario(&args.scenario.file)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let file = args.scenario.file.display().to_string();
    let (scenario, reproduce) = match &submission {
        None => (scenario, None),
        Some(path) => {
            let name = path.display().to_string();
            let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {name}: {e}"))?;
            (scenario.with_submission(&name, &text)?, Some(format!("kubesim check {file} --with {name}")))
        }
    };
    let drawn = args.html.is_some() || args.trace.is_some();
    let options = RunOptions { seed: args.scenario.seed, explain: args.explain, reproduce, log_changes: drawn };
    let (report, mut shell) = kubesim::scenario::run(&scenario, &options);
    if args.quiet {
        let result = |l: &&str| ["] ✓ ", "] ✗ ", "  reproduce with: ", "expectations: "].iter().any(|m| l.contains(m));
        report.transcript.lines().filter(result).for_each(|l| println!("{l}"));
    } else {
        print!("{}", report.transcript);
    }
    if drawn {
        draw(&file, &scenario, &report, &mut shell, args.trace.as_deref(), args.html.as_deref())?;
    }
    Ok(status(report.failed > 0))
}

fn compare(args: CompareArgs) -> Result<ExitCode, String> {
    let scenario = match load_scenario(&args.scenario.file)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    if !scenario.has_tracks() {
        eprintln!(
            "{}: no `imperative:` and `declarative:` tracks to compare (scenarios/README.md shows how to write them)",
            scenario.file
        );
        return Ok(ExitCode::from(2));
    }
    let options = RunOptions { seed: args.scenario.seed, log_changes: args.html.is_some(), ..Default::default() };
    let comparison = kubesim::scenario::compare::compare(&scenario, &options);
    if let Some(path) = &args.html {
        let timelines: Vec<&Timeline> = comparison.tracks.iter().filter_map(|t| t.timeline.as_ref()).collect();
        let page = kubesim::report::side_by_side(&comparison.title, &timelines);
        std::fs::write(path, &page).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        eprintln!("wrote {} ({} KiB): the two tracks side by side", path.display(), page.len().div_ceil(1024));
    }
    if args.output == "json" {
        println!("{}", serde_json::to_string_pretty(&comparison).map_err(|e| e.to_string())?);
    } else {
        print!("{}", comparison.text());
    }
    Ok(ExitCode::SUCCESS)
}

fn tour(args: TourArgs) -> Result<ExitCode, String> {
    let lessons = kubesim::curriculum::lessons()
        .map_err(|errors| errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))?;
    let pause = !args.no_pause && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let mut failed = 0;
    let count = lessons.len();
    for (i, lesson) in lessons.iter().enumerate() {
        if args.only.is_some_and(|n| n != i + 1) {
            continue;
        }
        println!("=== Lesson {} of {count}: {} ===", i + 1, lesson.header.title);
        let (report, _) = kubesim::scenario::run(lesson, &RunOptions::default());
        print!("{}", report.transcript);
        failed += report.failed;
        if pause && i + 1 < count && args.only.is_none() {
            print!("\n-- Enter for lesson {} of {count}, q then Enter to stop -- ", i + 2);
            std::io::stdout().flush().map_err(|e| e.to_string())?;
            let mut answer = String::new();
            std::io::stdin().read_line(&mut answer).map_err(|e| e.to_string())?;
            if answer.trim() == "q" {
                break;
            }
        }
        println!();
    }
    if let Some(n) = args.only.filter(|n| *n == 0 || *n > count) {
        return Err(format!("--only {n}: the tour has lessons 1 to {count}"));
    }
    Ok(status(failed > 0))
}

fn replay(args: ReplayArgs) -> Result<ExitCode, String> {
    #[cfg(feature = "serve")]
    {
        let text = std::fs::read_to_string(&args.scenario.file)
            .map_err(|e| format!("cannot read {}: {e}", args.scenario.file.display()))?;
        if kubesim::serve::record::looks_like_record(&text) {
            return replay_record(&args, &text);
        }
    }
    replay_scenario(args)
}

#[cfg(not(feature = "docker"))]
fn replay_scenario(_: ReplayArgs) -> Result<ExitCode, String> {
    Err("this kubesim was built without Docker support (feature `docker`)".into())
}

#[cfg(feature = "docker")]
fn replay_scenario(args: ReplayArgs) -> Result<ExitCode, String> {
    let scenario = match load_scenario(&args.scenario.file)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let options = kubesim::scenario::replay::ReplayOptions {
        seed: args.scenario.seed,
        speed: args.speed,
        keep: args.keep,
        run_id: format!("r{}", std::process::id()),
    };
    let result = kubesim::scenario::replay::replay(&scenario, &options, |text| {
        print!("{text}");
        let _ = std::io::stdout().flush();
    });
    match result {
        Ok(replay) => {
            println!("\n== simulated vs Docker ==");
            print!("{}", replay.table());
            if args.keep {
                println!("kept: docker ps -a --filter label=io.kubesim.run={}", options.run_id);
            }
            Ok(status(!replay.passed()))
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

#[cfg(feature = "docker")]
fn docker_bench(args: &BenchArgs) -> Result<ExitCode, String> {
    println!("kubesim bench: start latency of {} pods on {} nodes, on Docker", args.pods, args.nodes);
    eprintln!("  starting {} pods through kubesim, then {} bare containers…", args.pods, args.pods);
    match kubesim::runtime::docker_bench::measure(&format!("b{}", std::process::id()), args.nodes, args.pods) {
        Ok(latencies) => {
            print!("{}", latencies.summary());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Ok(ExitCode::from(2))
        }
    }
}

#[cfg(not(feature = "docker"))]
fn docker_bench(_: &BenchArgs) -> Result<ExitCode, String> {
    Err("this kubesim was built without the `docker` feature".into())
}

#[cfg(feature = "docker")]
fn docker_clean(all_runs: bool) -> Result<ExitCode, String> {
    let tokio = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let result = tokio.block_on(async {
        if all_runs {
            kubesim_runtime_docker::clean(None).await.map(|n| vec![("every run".to_string(), n)])
        } else {
            kubesim_runtime_docker::clean_leftovers().await
        }
    });
    match result {
        Ok(removed) if removed.is_empty() => println!("nothing to remove"),
        Ok(removed) => {
            for (run, containers) in removed {
                println!("removed {containers} container(s) and the network of {run}");
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn fuzz(args: FuzzArgs) -> Result<ExitCode, String> {
    use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
    let scenario = match load_scenario(&args.file)? {
        Ok(s) => s,
        Err(code) => return Ok(code),
    };
    let harness = kubesim::testing::Harness::from_scenario(&scenario, &args.controller);
    let config = Config {
        cases: args.cases,
        rng_seed: RngSeed::Fixed(args.seed),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let tried = std::cell::Cell::new(0u32);
    let result = runner.run(&harness.schedules(), |schedule| {
        tried.set(tried.get() + 1);
        if tried.get().is_multiple_of(16) {
            eprint!("\r  {} schedules tried", tried.get());
        }
        harness.run(&schedule).map(drop).map_err(|f| TestCaseError::fail(f.to_string()))
    });
    eprintln!("\r  {} schedules tried", tried.get());
    match result {
        Ok(()) => {
            println!("no counterexample in {} schedules (seed {})", args.cases, args.seed);
            Ok(ExitCode::SUCCESS)
        }
        Err(TestError::Fail(_, schedule)) => {
            let failure = harness.run(&schedule).expect_err("a shrunk counterexample fails again");
            let out = args.file.with_extension("counterexample.yaml");
            std::fs::write(&out, &failure.scenario).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
            println!("counterexample, shrunk to {} fault(s):\n{failure}", schedule.len());
            println!("written to {}\nreproduce with: kubesim run {}", out.display(), out.display());
            if let Some(html) = &args.html {
                let Ok(counterexample) = load_scenario(&out)? else { return Ok(ExitCode::from(2)) };
                let options = RunOptions { log_changes: true, ..Default::default() };
                let (report, mut shell) = kubesim::scenario::run(&counterexample, &options);
                let file = out.display().to_string();
                draw(&file, &counterexample, &report, &mut shell, None, Some(html))?;
            }
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(e.to_string()),
    }
}

fn bench(args: BenchArgs) -> Result<ExitCode, String> {
    if args.runtime == "docker" {
        if args.runs > 1 {
            return Err("--runs is for the virtual runtime: a Docker run measures pod start latency once".into());
        }
        if args.services {
            return Err("--services is for the virtual runtime: a Docker run measures pod start latency".into());
        }
        return docker_bench(&args);
    }
    use kubesim::bench;
    let mut workload = match args.preset.as_deref().and_then(bench::preset) {
        Some(p) => p.workload,
        None => bench::Workload::new(args.nodes, args.pods, args.then),
    };
    workload.services = args.services;
    let bench::Workload { nodes, pods, .. } = workload;
    bench::check_size(nodes, pods, bench::available_memory())?;
    if args.runs > 1 {
        return bench_runs(&args);
    }
    let json = args.output == "json";
    if !json {
        let name = args.preset.as_deref().unwrap_or("custom");
        let services = if args.services { ", each Deployment with a Service" } else { "" };
        println!("kubesim bench {name}: {pods} pods on {nodes} nodes{services} (seed {})", args.seed);
    }
    let terminal = std::io::stderr().is_terminal();
    let mut last = String::new();
    let timed = bench::timed(workload, args.seed, |phase, available, wanted| {
        // One line per phase when not at a terminal, so logs stay short.
        if terminal {
            eprint!("\r  {phase}: {available}/{wanted} replicas available   ");
        } else if last != phase {
            eprintln!("  {phase}...");
            last = phase.to_string();
        }
    });
    if terminal {
        eprintln!();
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&timed).map_err(|e| e.to_string())?);
    } else {
        print!("{}", timed.summary());
    }
    let report = &timed.report;
    Ok(status(report.running < pods || report.phases.iter().any(|p| !p.done)))
}

/// `kubesim bench --runs N`: runs this same binary N times with `--runs 1 -o json`, one
/// process after another, and summarizes what they print.
fn bench_runs(args: &BenchArgs) -> Result<ExitCode, String> {
    use kubesim::bench::{Runs, Timed};
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program to run it again: {e}"))?;
    let mut child_args: Vec<String> = vec!["bench".into()];
    match &args.preset {
        Some(preset) => child_args.push(preset.clone()),
        None => {
            let then = clap::ValueEnum::to_possible_value(&args.then).expect("every Then has a name");
            child_args.extend(["--nodes".into(), args.nodes.to_string(), "--pods".into(), args.pods.to_string()]);
            child_args.extend(["--then".into(), then.get_name().to_string()]);
        }
    }
    if args.services {
        child_args.push("--services".into());
    }
    child_args.extend(["--seed".into(), args.seed.to_string(), "-o".into(), "json".into()]);
    let json = args.output == "json";
    if !json {
        let name = args.preset.as_deref().unwrap_or("custom");
        println!("kubesim bench {name} --runs {} (seed {}), each run a process of its own:", args.runs, args.seed);
    }
    let mut runs = Vec::new();
    for i in 1..=args.runs {
        eprintln!("  run {i}/{}", args.runs);
        let out = std::process::Command::new(&me)
            .args(&child_args)
            .stderr(std::process::Stdio::inherit())
            .output()
            .map_err(|e| format!("cannot run {}: {e}", me.display()))?;
        let timed: Timed = serde_json::from_slice(&out.stdout)
            .map_err(|e| format!("run {i} printed no report ({}; exit status {})", e, out.status))?;
        runs.push(timed);
    }
    let all_ran = runs.iter().all(|t| t.report.running == t.report.pods && t.report.phases.iter().all(|p| p.done));
    let runs = match Runs::of(runs) {
        Ok(runs) => runs,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&runs).map_err(|e| e.to_string())?);
    } else {
        print!("{}", runs.summary());
    }
    Ok(status(!all_ran))
}
