//! `kubectl diff -f FILE`: what `apply` would change, as a unified diff of the live
//! object and the server's dry-run result. Exit status 0 without differences, 1 with,
//! 2 on error, as kubectl's.

use super::apply::{desired_state, load_files};
use super::args::flag;
use super::read::render;
use super::{CmdOutput, parse_flags};
use crate::cluster::Cluster;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// `kubectl diff`.
pub fn diff(cluster: &mut Cluster, words: &[String], stdin: Option<&str>, out: &mut CmdOutput) {
    let Some(args) = parse_flags("diff", words, &[flag("filename", Some('f'), true)], out) else { return };
    let mut differs = false;
    for (_, decoded) in load_files(cluster, args.all("filename"), args.get("namespace"), stdin, out) {
        let key = decoded.object.key();
        let live = cluster.api().get(&key).cloned();
        let desired = match desired_state(live.as_deref(), &decoded) {
            Ok((obj, _)) => obj,
            Err(e) => {
                out.fail_later(format!("error: {e}"));
                continue;
            }
        };
        // A server-side dry run: the change on a scratch copy of the apiserver.
        let mut scratch = cluster.api().clone();
        let result = match &live {
            None => scratch.create(cluster.now(), desired).map(|c| Some(c.object)),
            Some(_) => scratch.update(desired).map(|c| c.map(|c| c.object)),
        };
        let merged = match result {
            // A dry run writes nothing, so the resourceVersion does not move.
            Ok(Some(obj)) => {
                let mut obj = (*obj).clone();
                obj.meta_mut().resource_version =
                    live.as_ref().map(|l| l.meta().resource_version.clone()).unwrap_or_default();
                obj
            }
            Ok(None) => continue,
            Err(e) => {
                out.fail_later(e.to_string());
                continue;
            }
        };
        let before = live.map(|o| render(&o.to_json(), "yaml")).unwrap_or_default();
        let after = render(&merged.to_json(), "yaml");
        let kind = key.kind;
        let group_version = kind.api_version().replace('/', ".");
        let name = format!("{group_version}.{}.{}.{}", kind.name(), key.namespace, key.name).replace("..", ".");
        if let Some(text) =
            unified(&before, &after, &format!("/tmp/LIVE-kubesim/{name}"), &format!("/tmp/MERGED-kubesim/{name}"))
        {
            out.print(&text);
            differs = true;
        }
    }
    if out.code != 0 {
        out.code = 2;
    } else if differs {
        out.code = 1;
    }
}

/// One line of an edit script.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Edit<'a> {
    Same(&'a str),
    Remove(&'a str),
    Add(&'a str),
}

/// The shortest edit script from `a` to `b` (longest common subsequence).
fn edits<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Edit<'a>> {
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut script) = (0, 0, Vec::with_capacity(n + m));
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            script.push(Edit::Same(a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // Removals before additions, as diff prints them.
            script.push(Edit::Remove(a[i]));
            i += 1;
        } else {
            script.push(Edit::Add(b[j]));
            j += 1;
        }
    }
    script
}

/// A unified diff (`diff -u -N`) of two texts, or `None` when they are equal.
fn unified(before: &str, after: &str, from: &str, to: &str) -> Option<String> {
    let a: Vec<&str> = before.lines().collect();
    let b: Vec<&str> = after.lines().collect();
    let script = edits(&a, &b);
    let changed: Vec<usize> =
        script.iter().enumerate().filter(|(_, e)| !matches!(e, Edit::Same(_))).map(|(i, _)| i).collect();
    if changed.is_empty() {
        return None;
    }
    let mut text = format!("diff -u -N {from} {to}\n--- {from}\n+++ {to}\n");
    // Group changes whose contexts overlap into hunks.
    let mut hunks: Vec<(usize, usize)> = Vec::new();
    for &c in &changed {
        let (start, end) = (c.saturating_sub(CONTEXT), (c + CONTEXT + 1).min(script.len()));
        match hunks.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => hunks.push((start, end)),
        }
    }
    for (start, end) in hunks {
        let line_before = |upto: usize| script[..upto].iter().filter(|e| !matches!(e, Edit::Add(_))).count();
        let line_after = |upto: usize| script[..upto].iter().filter(|e| !matches!(e, Edit::Remove(_))).count();
        let (a_start, b_start) = (line_before(start), line_after(start));
        let a_len = line_before(end) - a_start;
        let b_len = line_after(end) - b_start;
        let range = |s: usize, len: usize| if len == 0 { format!("{s},0") } else { format!("{},{len}", s + 1) };
        text.push_str(&format!("@@ -{} +{} @@\n", range(a_start, a_len), range(b_start, b_len)));
        for e in &script[start..end] {
            let (sign, line) = match e {
                Edit::Same(l) => (' ', l),
                Edit::Remove(l) => ('-', l),
                Edit::Add(l) => ('+', l),
            };
            text.push(sign);
            text.push_str(line);
            text.push('\n');
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diffs_have_context_and_ranges() {
        let before = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let after = "a\nb\nc\nD\ne\nf\ng\nh\n";
        let text = unified(before, after, "L", "M").unwrap();
        assert_eq!(text, "diff -u -N L M\n--- L\n+++ M\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n");
        assert!(unified(before, before, "L", "M").is_none());
    }

    #[test]
    fn new_files_diff_from_nothing() {
        let text = unified("", "x\ny\n", "L", "M").unwrap();
        assert!(text.contains("@@ -0,0 +1,2 @@\n+x\n+y\n"), "{text}");
    }
}
