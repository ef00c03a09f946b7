//! The kubelet against upstream's timings, driven through a whole simulated cluster.

use crate::api::meta::Condition;
use crate::api::{Kind, ObjKey, Shared};
use crate::shell::Shell;

/// The waiting reason of the pod's first container, or `Running`.
fn container_state(shell: &Shell, pod: &str) -> String {
    let obj = shell.cluster().api().get(&ObjKey::new(Kind::Pod, "default", pod)).expect("pod exists").clone();
    let status = &obj.as_pod().expect("a pod").status;
    let Some(c) = status.container_statuses.first() else { return "none".into() };
    if c.state.running.is_some() {
        return "Running".into();
    }
    c.state.waiting.as_ref().and_then(|w| w.reason.as_ref()).map_or_else(|| "none".into(), |r| r.to_string())
}

/// `(seconds since start, state)` at every change, sampled every 100ms for `secs`.
fn timeline(shell: &mut Shell, pod: &str, secs: u64) -> Vec<(f64, String)> {
    let mut changes: Vec<(f64, String)> = Vec::new();
    for _ in 0..secs * 10 {
        shell.run_ok("advance 100ms");
        let state = container_state(shell, pod);
        if changes.last().is_none_or(|(_, s)| *s != state) {
            changes.push((shell.cluster().now().as_ms() as f64 / 1000.0, state));
        }
    }
    changes
}

/// The events about `object`, one line each: `Type Reason (xCount) Message`.
fn events_of(shell: &mut Shell, object: &str) -> String {
    let mut lines = String::new();
    for obj in shell.cluster().api().list(Kind::Event, None) {
        let crate::api::Object::Event(e) = &**obj else { continue };
        if e.involved_object.name.as_deref() != Some(object) {
            continue;
        }
        let (t, r, m) = (e.type_.as_deref(), e.reason.as_deref(), e.message.as_deref());
        lines += &format!("{} {} (x{}) {}\n", t.unwrap_or(""), r.unwrap_or(""), e.count.unwrap_or(1), m.unwrap_or(""));
    }
    lines
}

#[test]
fn a_failed_pull_shows_err_image_pull_for_one_pod_worker_back_off() {
    let mut shell = Shell::for_tests();
    shell.run_ok("kubectl run typo --image=ngnix:1.27");
    let changes = timeline(&mut shell, "typo", 120);
    let states: Vec<&str> = changes.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(
        states[..6],
        ["ContainerCreating", "ErrImagePull", "ImagePullBackOff", "ErrImagePull", "ImagePullBackOff", "ErrImagePull"],
        "{changes:?}"
    );
    // ErrImagePull is shown until the pod worker's next sync, 10-15s later on the sync
    // loop's 1s ticker (upstream: backOffPeriod 10s, jitter factor 0.5); that sync shows
    // ImagePullBackOff, for one or more syncs, while it pulls again or waits.
    for pair in changes[1..].windows(2) {
        let shown = pair[1].0 - pair[0].0;
        let range = if pair[0].1 == "ErrImagePull" { 10.0..=16.1 } else { 10.0..=f64::MAX };
        assert!(range.contains(&shown), "{} shown {shown}s: {changes:?}", pair[0].1);
    }
    // The first ErrImagePull comes at the PLEG's relist after the failed pull (pull 0.8s).
    assert!(changes[1].0 <= 2.1, "{changes:?}");
    // The back-off message repeats the last pull's error (v1.32).
    let obj = shell.cluster().api().get(&ObjKey::new(Kind::Pod, "default", "typo")).unwrap().clone();
    let waiting = obj.as_pod().unwrap().status.container_statuses[0].state.waiting.clone().unwrap();
    assert_eq!(waiting.reason.as_deref(), Some("ImagePullBackOff"), "{changes:?}");
    let message = waiting.message.unwrap();
    assert!(message.starts_with("Back-off pulling image \"ngnix:1.27\": ErrImagePull: failed to pull"), "{message}");
}

#[test]
fn every_sync_in_back_off_is_counted_though_the_spam_filter_holds_most_back() {
    let mut shell = Shell::for_tests();
    shell.run_ok("kubectl run typo --image=ngnix:1.27");
    shell.run_ok("advance 300s");
    let out = shell.run_ok("kubectl describe pod typo");
    let counts = |out: &str, reason: &str| -> Vec<u32> {
        out.lines()
            .filter(|l| l.contains(" kubelet ") && l.split_whitespace().nth(1) == Some(reason))
            .map(|l| l.split("(x").nth(1).map_or(1, |s| s.split(' ').next().unwrap().parse().unwrap()))
            .collect()
    };
    // Pulls at about 0s, 13s, 42s and 91s, each with its failures and back-off (10s,
    // 20s, 40s), checked only when the pod worker syncs, every 10-15s; then the kubelet
    // has sent the 25 Events about the pod that client-go's spam filter lets through at
    // once, and the pull at about 186s goes unreported.
    assert!(out.contains("(x4 over"), "{out}");
    let sent: u32 = ["Pulling", "Failed", "BackOff"].iter().flat_map(|r| counts(&out, r)).sum();
    assert_eq!(sent, 25, "{out}");
    // Five minutes after the burst, one more gets through: a BackOff counting every sync
    // in back-off since the first.
    shell.run_ok("advance 300s");
    let out = shell.run_ok("kubectl describe pod typo");
    let backoff = counts(&out, "BackOff");
    assert!(backoff.len() == 1 && backoff[0] >= 15, "one BackOff event per sync in back-off: {out}");
}

#[test]
fn fixing_the_image_during_pull_back_off_pulls_the_new_image_at_once() {
    let mut shell = Shell::for_tests();
    shell.run_ok("kubectl run typo --image=ngnix:1.27");
    shell.run_ok("advance 100s");
    assert_ne!(container_state(&shell, "typo"), "Running");
    shell.run_ok("kubectl set image pod/typo typo=nginx:1.27");
    // A spec change syncs the pod at once, and the back-off belongs to the old image.
    shell.run_ok("advance 4s");
    assert_eq!(container_state(&shell, "typo"), "Running");
    let events = events_of(&mut shell, "typo");
    assert!(events.contains("Pulling image \"nginx:1.27\""), "{events}");
    assert!(events.contains("Successfully pulled image \"nginx:1.27\""), "{events}");
}

#[test]
fn back_to_a_bad_image_keeps_its_back_off() {
    let mut shell = Shell::for_tests();
    shell.run_ok("kubectl run typo --image=ngnix:1.27");
    shell.run_ok("advance 14s");
    shell.run_ok("kubectl set image pod/typo typo=nginx:does-not-exist");
    shell.run_ok("advance 3s");
    shell.run_ok("kubectl set image pod/typo typo=ngnix:1.27");
    shell.run_ok("advance 1s");
    // ngnix:1.27 failed at about 13.8s with a 20s back-off, still running: no pull.
    let events = events_of(&mut shell, "typo");
    let pulls = events.lines().find(|l| l.contains("Pulling image \"ngnix:1.27\"")).unwrap();
    assert!(pulls.contains("(x2)"), "two pulls of ngnix:1.27, not three: {events}");
}

#[test]
fn a_change_during_a_pull_waits_for_the_pull() {
    let mut shell = Shell::for_tests();
    shell.run_ok("kubectl run web --image=nginx:1.27");
    // nginx:1.27 takes about 2s to pull; change the image in the middle of it.
    shell.run_ok("advance 1s");
    shell.run_ok("kubectl set image pod/web web=nginx:1.28");
    shell.run_ok("advance 10s");
    assert_eq!(container_state(&shell, "web"), "Running");
    let obj = shell.cluster().api().get(&ObjKey::new(Kind::Pod, "default", "web")).unwrap().clone();
    assert_eq!(obj.as_pod().unwrap().status.container_statuses[0].image, "nginx:1.28");
    let events = events_of(&mut shell, "web");
    // The sync that pulled 1.27 finished (started it), then the change replaced it.
    assert!(events.contains("Container web definition changed, will be restarted"), "{events}");
    assert!(events.contains("Pulling image \"nginx:1.28\""), "{events}");
    assert_eq!(shell.cluster().violations(), &[]);
}

#[test]
fn cordon_and_uncordon_are_reported_by_the_kubelet() {
    let mut shell = Shell::for_tests();
    shell.run_ok("advance 5s");
    shell.run_ok("kubectl cordon node-1");
    // The kubelet notices at its next node status sync (every 10s).
    shell.run_ok("advance 10s");
    let events = events_of(&mut shell, "node-1");
    assert!(events.contains("NodeNotSchedulable"), "{events}");
    assert!(events.contains("Node node-1 status is now: NodeNotSchedulable"), "{events}");
    assert!(!events.contains(" NodeSchedulable "), "{events}");
    shell.run_ok("kubectl uncordon node-1");
    shell.run_ok("advance 10s");
    let events = events_of(&mut shell, "node-1");
    assert!(events.contains("Node node-1 status is now: NodeSchedulable"), "{events}");
    assert!(!events_of(&mut shell, "node-2").contains("Schedulable"));
}

#[test]
fn a_rebooted_kubelet_reports_a_cordoned_node_again() {
    let mut shell = Shell::for_tests();
    shell.run_ok("kubectl cordon node-1");
    shell.run_ok("advance 10s");
    shell.run_ok("crash node node-1");
    shell.run_ok("advance 10s");
    shell.run_ok("recover node node-1");
    shell.run_ok("advance 1s");
    // The fresh kubelet reports the cordon again; its event recorder is a new one, with
    // an empty cache, so it makes a new Event rather than counting the old one twice.
    let events = events_of(&mut shell, "node-1");
    let reports: Vec<&str> = events.lines().filter(|l| l.contains("NodeNotSchedulable")).collect();
    assert_eq!(reports.len(), 2, "{events}");
    assert!(reports.iter().all(|l| l.contains("(x1)")), "{events}");
}

#[test]
fn container_statuses_are_sorted_by_name_whatever_the_spec_order() {
    let mut shell = Shell::for_tests();
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: two\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n  - name: cache\n    image: redis:7\n";
    let out = shell.execute_with_stdin("kubectl apply -f -", Some(manifest));
    assert!(!out.failed, "{}", out.text);
    shell.run_ok("advance 10s");
    let obj = shell.cluster().api().get(&ObjKey::new(Kind::Pod, "default", "two")).expect("pod exists").clone();
    let names: Vec<&str> = obj.as_pod().unwrap().status.container_statuses.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["cache", "web"]);
    // describe keeps the spec's order: the containers, each with its own status.
    let text = shell.run_ok("kubectl describe pod two");
    let web = text.find("  web:").expect("web listed");
    let cache = text.find("  cache:").expect("cache listed");
    assert!(web < cache, "{text}");
    // READY counts both, whatever the order.
    assert!(shell.run_ok("kubectl get pod two").contains("2/2     Running"));
}

#[test]
fn a_pod_coming_up_gets_two_status_writes_as_upstream_posts_at_each_sync_start() {
    // Upstream's first sync posts Pending (ContainerCreating, no IP yet), then creates
    // the sandbox, pulls and starts in one go; the PLEG's report of the running
    // container starts the next sync, which posts Running with the IP (kubesim posts it
    // as the container starts, without the PLEG's relist delay). The steps in between
    // are not posted.
    let mut shell = Shell::for_tests();
    shell.run_ok("kubectl run web --image=nginx:1.27");
    let mut ips = Vec::new();
    for _ in 0..100 {
        shell.run_ok("advance 100ms");
        let obj = shell.cluster().api().get(&ObjKey::new(Kind::Pod, "default", "web")).expect("pod").clone();
        let status = &obj.as_pod().expect("a pod").status;
        let seen = (container_state(&shell, "web"), status.pod_ip.as_ref().map(|ip| ip.to_string()));
        if ips.last() != Some(&seen) {
            ips.push(seen);
        }
    }
    assert_eq!(ips.len(), 2, "{ips:?}");
    assert_eq!(ips[0], ("ContainerCreating".to_string(), None));
    assert_eq!(ips[1].0, "Running");
    assert!(ips[1].1.is_some(), "{ips:?}");
    let mut writes = Vec::new();
    shell.cluster().trace().visit(|e| {
        if e.object == "Pod default/web" && e.component.starts_with("kubelet/") && e.action == "update-status" {
            writes.push(e.detail.to_string());
        }
    });
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert!(writes[0].ends_with("phase=Pending") && writes[1].ends_with("phase=Running"), "{writes:?}");
}

#[test]
fn pods_a_kubelet_starts_together_hold_one_copy_of_their_equal_conditions() {
    let mut shell = Shell::for_tests();
    shell.run_ok("kubectl create deployment web --image=nginx:1.27 --replicas=8");
    shell.run_ok("advance 30s");
    let pods: Vec<_> = shell.cluster().api().list(Kind::Pod, Some("default")).filter_map(|o| o.as_pod()).collect();
    assert_eq!(pods.len(), 8);
    let mut copies: Vec<&Shared<Vec<Condition>>> = Vec::new();
    for pod in &pods {
        assert_eq!(pod.status.phase.as_deref(), Some("Running"));
        if !copies.iter().any(|c| Shared::ptr_eq(c, &pod.status.conditions)) {
            copies.push(&pod.status.conditions);
        }
    }
    // A kubelet posting equal conditions in a row posts one value.
    assert!(copies.len() < pods.len(), "{} copies for {} pods", copies.len(), pods.len());
}

#[test]
fn events_a_partitioned_kubelet_could_not_send_still_count() {
    let mut shell = Shell::for_tests();
    shell.run_ok("kubectl run crashy --image=kubesim/crashloop");
    shell.run_ok("advance 20s");
    let node = shell.run_ok("kubectl get pod crashy -o jsonpath={.spec.nodeName}");
    shell.run_ok(&format!("partition node {}", node.trim()));
    // The container keeps crashing and restarting behind the partition; client-go's
    // correlator counts each start though it cannot send the Event.
    shell.run_ok("advance 40s");
    shell.run_ok(&format!("heal node {}", node.trim()));
    shell.run_ok("advance 90s");
    let restarts = shell.run_ok("kubectl get pod crashy -o jsonpath={.status.containerStatuses[0].restartCount}");
    let starts = restarts.trim().parse::<i32>().unwrap() + 1;
    let events = events_of(&mut shell, "crashy");
    let started = events.lines().find(|l| l.contains(" Started ")).expect("a Started event");
    assert_eq!(
        started.split("(x").nth(1).and_then(|s| s.split(')').next()),
        Some(starts.to_string().as_str()),
        "{events}"
    );
}
