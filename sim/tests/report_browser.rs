//! The HTML timeline in a real browser: headless Chromium loads the page `kubesim run
//! --html` writes, with no script error, and shows the cluster as it was at the moment
//! the address names; screenshots are kept in `target/tmp/report-screenshots/`.
//!
//! Without Chromium these tests print why and return; with `KUBESIM_REQUIRE_CHROMIUM=1`
//! (set by `.ci/run`, which installs it) a missing browser fails instead.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().map(PathBuf::from).find(|p| p.exists());
    if found.is_none() {
        assert!(std::env::var_os("KUBESIM_REQUIRE_CHROMIUM").is_none(), "Chromium is required but not installed");
        eprintln!("SKIPPED: Chromium is not installed on this machine");
    }
    found
}

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubesim-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

fn kubesim(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubesim")).args(args).output().expect("kubesim runs");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

/// `kubesim run SCENARIO --quiet --html PAGE` plus `extra`; expects success and returns
/// what it printed.
fn run_html(scenario: &Path, page: &Path, extra: &[&str]) -> String {
    let mut args = vec!["run", scenario.to_str().expect("UTF-8"), "--quiet", "--html", page.to_str().expect("UTF-8")];
    args.extend_from_slice(extra);
    let (code, out) = kubesim(&args);
    assert_eq!(code, 0, "{out}");
    out
}

/// A curriculum scenario's path.
fn curriculum(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios").join(name)
}

fn headless(chromium: &Path) -> Command {
    let mut command = Command::new(chromium);
    // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
    command.args(["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=5000"]);
    command
}

/// The page's DOM once its scripts ran, at the moment `#t=ms` names (none: the end).
fn dom(chromium: &Path, page: &Path, at_ms: Option<u64>) -> String {
    let url = format!("file://{}{}", page.display(), at_ms.map(|t| format!("#t={t}")).unwrap_or_default());
    let out = headless(chromium).arg("--dump-dom").arg(&url).output().expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("data-ready=\"1\""),
        "the page did not finish drawing:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dom.contains("data-errors=\"1\""), "script errors: {dom}");
    dom
}

/// A screenshot of the page at `#t=ms`, kept as a test artifact; checked to be a PNG.
fn screenshot(chromium: &Path, page: &Path, at_ms: Option<u64>, name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-screenshots");
    std::fs::create_dir_all(&dir).expect("the screenshot directory");
    let png = dir.join(name);
    let url = format!("file://{}{}", page.display(), at_ms.map(|t| format!("#t={t}")).unwrap_or_default());
    let status = headless(chromium)
        .arg("--window-size=1400,1100")
        .arg(format!("--screenshot={}", png.display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 10_000, "not a real screenshot");
    png
}

/// `data-…` attributes of the elements drawn for pods: (name, status, node).
fn pods(dom: &str) -> Vec<(String, String, String)> {
    dom.split("data-pod=\"")
        .skip(1)
        .map(|rest| {
            let field = |name: &str| {
                rest.split(&format!("{name}=\"")).nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_string()
            };
            (rest.split('"').next().unwrap_or("").to_string(), field("data-status"), field("data-node"))
        })
        .collect()
}

/// The first moment the trace shows `node` NotReady.
fn first_not_ready(trace: &str, node: &str) -> u64 {
    trace
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a trace line"))
        .find(|e| e["view"]["kind"] == "Node" && e["view"]["key"] == node && e["view"]["state"]["status"] == "NotReady")
        .and_then(|e| e["t_ms"].as_u64())
        .expect("the node goes NotReady")
}

#[test]
fn the_node_crash_timeline_shows_the_crash_and_the_healing_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let dir = workdir("crash");
    let page = dir.join("r.html");
    let trace = dir.join("t.jsonl");
    let out = run_html(&curriculum("09-self-healing.yaml"), &page, &["--trace", trace.to_str().expect("UTF-8")]);
    assert!(out.contains(&format!("wrote {} (", page.display())) && out.contains(" KiB, "), "{out}");
    let not_ready = first_not_ready(&std::fs::read_to_string(&trace).expect("the trace"), "node-1") + 1;

    let crashed = dom(&chromium, &page, Some(not_ready));
    assert!(crashed.contains(r#"data-node="node-1" data-status="NotReady""#), "{crashed}");
    assert!(crashed.contains(r#"data-node="node-2" data-status="Ready""#), "{crashed}");
    assert!(crashed.contains(&format!(r#"data-t="{not_ready}""#)), "the address sets the moment");
    screenshot(&chromium, &page, Some(not_ready), "09-self-healing-node-notready.png");

    let end = dom(&chromium, &page, None);
    let running = pods(&end);
    assert_eq!(running.len(), 3, "{running:?}");
    assert!(running.iter().all(|(_, status, node)| status == "Running" && node == "node-2"), "{running:?}");
    screenshot(&chromium, &page, None, "09-self-healing-end.png");

    // The same page again from the saved trace alone.
    let again = dir.join("again.html");
    let (code, out) = kubesim(&["report", trace.to_str().expect("UTF-8"), "--html", again.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{out}");
    let redrawn = dom(&chromium, &again, Some(not_ready));
    assert!(redrawn.contains(r#"data-node="node-1" data-status="NotReady""#), "{redrawn}");
}

#[test]
fn a_thousand_pods_are_counted_per_node_and_the_page_stays_small_enough() {
    let Some(chromium) = chromium() else { return };
    let dir = workdir("big");
    let scenario = dir.join("big.yaml");
    std::fs::write(
        &scenario,
        "title: Many pods\ncluster:\n  nodes: 10\nsteps:\n  - kubectl: create deployment big --image=nginx:1.27 --replicas=1000\n  - advance: 60s\n",
    )
    .expect("scenario written");
    let page = dir.join("big.html");
    let (code, out) =
        kubesim(&["run", scenario.to_str().expect("UTF-8"), "--quiet", "--html", page.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{out}");
    let size = std::fs::metadata(&page).expect("written").len();
    assert!(size < 8 * 1024 * 1024, "{size} bytes");
    let drawn = dom(&chromium, &page, None);
    let counted: u64 = drawn
        .split("data-count=\"")
        .skip(1)
        .filter_map(|r| r.split('"').next().and_then(|n| n.parse::<u64>().ok()))
        .sum();
    assert_eq!(counted, 1000, "every pod counted in its node's bar");
    assert!(pods(&drawn).is_empty(), "no pod drawn one by one beyond the threshold");
    screenshot(&chromium, &page, None, "thousand-pods.png");
}

#[test]
fn an_empty_trace_draws_an_explained_empty_page_and_a_bad_one_is_refused_by_line() {
    let dir = workdir("empty");
    let empty = dir.join("empty.jsonl");
    std::fs::write(&empty, "").expect("written");
    let page = dir.join("empty.html");
    let (code, out) = kubesim(&["report", empty.to_str().expect("UTF-8"), "--html", page.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{out}");
    let truncated = dir.join("cut.jsonl");
    std::fs::write(&truncated, "{\"id\":1,\"t_ms\":0,\"cause\":0,\"component\":\"user\"").expect("written");
    let (code, out) = kubesim(&["report", truncated.to_str().expect("UTF-8"), "--html", "/dev/null"]);
    assert_eq!(code, 2);
    assert!(out.contains("cut.jsonl:1: the line is cut short"), "{out}");
    let foreign = dir.join("foreign.jsonl");
    std::fs::write(&foreign, "{\"id\":1}\nhello\n").expect("written");
    let (code, out) = kubesim(&["report", foreign.to_str().expect("UTF-8"), "--html", "/dev/null"]);
    assert_eq!(code, 2);
    assert!(out.contains("foreign.jsonl:1: not a kubesim trace event"), "{out}");
    let Some(chromium) = chromium() else { return };
    let drawn = dom(&chromium, &page, None);
    assert!(drawn.contains("This run has no events"), "{drawn}");
}

#[test]
fn compare_draws_both_tracks_side_by_side() {
    let dir = workdir("compare");
    let page = dir.join("compare.html");
    let scenario = curriculum("12-imperative-vs-declarative-image.yaml");
    let (code, out) = kubesim(&["compare", scenario.to_str().expect("UTF-8"), "--html", page.to_str().expect("UTF-8")]);
    assert_eq!(code, 0, "{out}");
    let text = std::fs::read_to_string(&page).expect("written");
    assert_eq!(text.matches("<iframe title=").count(), 2);
    assert!(text.contains("the imperative track") && text.contains("the declarative track"));
    let Some(chromium) = chromium() else { return };
    screenshot(&chromium, &page, None, "12-compare.png");
}

#[test]
fn the_same_run_draws_the_same_page_byte_for_byte() {
    let dir = workdir("determinism");
    let pages: Vec<Vec<u8>> = ["a.html", "b.html"]
        .iter()
        .map(|name| {
            let page = dir.join(name);
            run_html(&curriculum("06-services-nodeport.yaml"), &page, &[]);
            std::fs::read(&page).expect("written")
        })
        .collect();
    assert!(pages[0] == pages[1], "two runs of the same scenario and seed drew different pages");
    let text = String::from_utf8_lossy(&pages[0]);
    assert!(text.contains("\"kind\":\"Service\""), "the Services are in the page's data");
}

/// The drawing of the cluster in a page at a moment, as a standalone SVG file.
fn figure(chromium: &Path, page: &Path, at_ms: Option<u64>) -> String {
    let dom = dom(chromium, page, at_ms);
    let picture = dom.split("<div id=\"picture\">").nth(1).expect("the picture");
    let start = picture.find("<svg").expect("an SVG drawing");
    let end = picture.find("</svg>").expect("the drawing ends") + "</svg>".len();
    let svg = &picture[start..end];
    let view_box = svg.split("viewBox=\"0 0 ").nth(1).and_then(|r| r.split('"').next()).expect("a viewBox");
    let (width, height) = view_box.split_once(' ').expect("width and height");
    let svg = svg.replacen("width=\"100%\"", &format!("width=\"{width}\" height=\"{height}\""), 1);
    format!("{}\n", svg.replacen("<svg ", "<svg xmlns=\"http://www.w3.org/2000/svg\" ", 1))
}

/// The book's figures are kubesim's own drawings of its lessons, redrawn here and
/// compared (`KUBESIM_BLESS=1` rewrites them after a reviewed change).
#[test]
fn the_books_figures_are_kubesims_drawings() {
    let Some(chromium) = chromium() else { return };
    let dir = workdir("figures");
    let figures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src/figures");
    let mut stale = Vec::new();
    let mut check = |name: &str, svg: String| {
        let file = figures.join(name);
        if std::env::var_os("KUBESIM_BLESS").is_some() {
            std::fs::write(&file, &svg).expect("the figure is written");
        } else if std::fs::read_to_string(&file).ok().as_deref() != Some(svg.as_str()) {
            stale.push(name.to_string());
        }
    };
    for (scenario, name) in [("01-cluster.yaml", "cluster.svg"), ("06-services-nodeport.yaml", "services.svg")] {
        let page = dir.join(format!("{name}.html"));
        run_html(&curriculum(scenario), &page, &[]);
        check(name, figure(&chromium, &page, None));
    }
    let page = dir.join("healing.html");
    let trace = dir.join("healing.jsonl");
    run_html(&curriculum("09-self-healing.yaml"), &page, &["--trace", trace.to_str().expect("UTF-8")]);
    let not_ready = first_not_ready(&std::fs::read_to_string(&trace).expect("the trace"), "node-1") + 1;
    check("self-healing-node-lost.svg", figure(&chromium, &page, Some(not_ready)));
    check("self-healing-healed.svg", figure(&chromium, &page, None));
    assert!(
        stale.is_empty(),
        "the book's figures differ from kubesim's drawings: {stale:?}; after looking at the new ones, run KUBESIM_BLESS=1 cargo test -p kubesim --test report_browser"
    );
}

/// A page open in headless Chromium, driven through the DevTools protocol: keys pressed
/// and clicks made as a user would, and the page's state read back.
struct Browser {
    child: std::process::Child,
    socket: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
    next_id: u64,
}

impl Browser {
    fn open(chromium: &Path, url: &str, profile: &Path) -> Browser {
        use std::io::{BufRead, BufReader, Read, Write};
        // Not `headless()`: a virtual time budget would pause the page, and with it the
        // answers to input events.
        let mut child = Command::new(chromium)
            .args(["--headless", "--no-sandbox", "--disable-gpu"])
            .arg("--remote-debugging-port=0")
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("chromium starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let mut lines = BufReader::new(stderr).lines();
        let port = lines
            .by_ref()
            .map_while(Result::ok)
            .find_map(|l| l.split("ws://127.0.0.1:").nth(1).and_then(|r| r.split('/').next()).map(str::to_string))
            .expect("chromium says where its DevTools listen");
        std::thread::spawn(move || lines.for_each(drop));
        // The page's own endpoint, from the target list.
        let mut page_socket = None;
        for _ in 0..50 {
            let mut http = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).expect("DevTools answer");
            http.set_read_timeout(Some(std::time::Duration::from_secs(2))).expect("a timeout");
            let request = format!("GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
            http.write_all(request.as_bytes()).expect("asked");
            // The answer is whole when the server closes or goes quiet.
            let mut bytes = Vec::new();
            let _ = http.read_to_end(&mut bytes);
            let answer = String::from_utf8_lossy(&bytes);
            let body = answer.split("\r\n\r\n").nth(1).unwrap_or("[]");
            let targets: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            page_socket = targets
                .as_array()
                .into_iter()
                .flatten()
                .find(|t| t["type"] == "page")
                .and_then(|t| t["webSocketDebuggerUrl"].as_str().map(str::to_string));
            if page_socket.is_some() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let (socket, _) = tungstenite::connect(page_socket.expect("the page's DevTools")).expect("connected");
        let mut browser = Browser { child, socket, next_id: 0 };
        for _ in 0..100 {
            if browser.eval("document.body && document.body.dataset.ready") == "1" {
                return browser;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("the page never finished drawing");
    }

    /// Sends a DevTools command and returns its result.
    fn call(&mut self, method: &str, params: serde_json::Value) -> serde_json::Value {
        self.next_id += 1;
        let id = self.next_id;
        let request = serde_json::json!({"id": id, "method": method, "params": params}).to_string();
        self.socket.send(tungstenite::Message::Text(request.into())).expect("sent");
        loop {
            let message = self.socket.read().expect("DevTools answer");
            if let tungstenite::Message::Text(text) = message {
                let reply: serde_json::Value = serde_json::from_str(&text).expect("JSON");
                if reply["id"] == id {
                    assert!(reply.get("error").is_none(), "{method}: {reply}");
                    return reply["result"].clone();
                }
            }
        }
    }

    /// Evaluates a JavaScript expression in the page; its value as text.
    fn eval(&mut self, expression: &str) -> String {
        let result =
            self.call("Runtime.evaluate", serde_json::json!({"expression": expression, "returnByValue": true}));
        match &result["result"]["value"] {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// Presses and releases a key (`modifiers`: 8 is Shift).
    fn key(&mut self, key: &str, code: u32, modifiers: u32) {
        for kind in ["keyDown", "keyUp"] {
            let params = serde_json::json!({
                "type": kind, "key": key, "code": key, "windowsVirtualKeyCode": code, "modifiers": modifiers,
            });
            self.call("Input.dispatchKeyEvent", params);
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The keys, the buttons, a click on an event and the address all move the page's
/// clock, in a real browser.
#[test]
fn keys_clicks_and_the_address_move_the_clock() {
    let Some(chromium) = chromium() else { return };
    let dir = workdir("interact");
    let page = dir.join("r.html");
    let trace = dir.join("t.jsonl");
    run_html(&curriculum("09-self-healing.yaml"), &page, &["--trace", trace.to_str().expect("UTF-8")]);
    let times: Vec<u64> = std::fs::read_to_string(&trace)
        .expect("the trace")
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok()?["t_ms"].as_u64())
        .collect();
    let mut browser = Browser::open(&chromium, &format!("file://{}#t=0", page.display()), &dir.join("profile"));
    assert_eq!(browser.eval("document.body.dataset.t"), "0");
    let next = *times.iter().find(|t| **t > 0).expect("events after the start");
    browser.key("ArrowRight", 39, 0);
    assert_eq!(browser.eval("document.body.dataset.t"), next.to_string(), "→ goes to the next event");
    browser.key("ArrowRight", 39, 8);
    assert_eq!(browser.eval("document.body.dataset.t"), (next + 10_000).to_string(), "Shift+→ goes 10 s on");
    assert_eq!(browser.eval("location.hash"), format!("#t={}", next + 10_000), "the address keeps the moment");
    browser.key("ArrowLeft", 37, 8);
    browser.key("ArrowLeft", 37, 0);
    assert_eq!(browser.eval("document.body.dataset.t"), "0", "back 10 s, then to the previous event");
    browser.eval("document.getElementById('fwd').click()");
    assert_eq!(browser.eval("document.body.dataset.t"), "10000", "the +10 s button");
    browser.key("End", 35, 0);
    let end = *times.last().expect("events");
    assert_eq!(browser.eval("document.body.dataset.t"), end.to_string(), "End goes to the end");
    // A click on an event moves there and shows why it happened.
    let clicked = browser.eval(
        "(() => { const row = [...document.querySelectorAll('tr.ev')].find(r => r.textContent.includes('TaintManagerEviction')); row.click(); return row.cells[0].textContent; })()",
    );
    let chain = browser.eval("document.getElementById('chain').textContent");
    assert!(chain.starts_with("why: "), "{chain}");
    assert!(chain.contains("crash-node"), "the chain reaches the crash: {chain}");
    assert_eq!(browser.eval("document.getElementById('clock').textContent"), clicked);
    browser.eval("location.hash = '#t=5000'");
    std::thread::sleep(std::time::Duration::from_millis(200));
    assert_eq!(browser.eval("document.body.dataset.t"), "5000", "a new address moves the clock");
}
