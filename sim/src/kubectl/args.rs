//! Command-line splitting and kubectl-style flag parsing, with kubectl's error texts.

use std::collections::BTreeMap;

/// Splits a command line like a POSIX shell would (quotes and backslashes), without
/// expansion.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => current.push(ch),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch) => current.push(ch),
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(ch) => current.push(ch),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(ch) = chars.next() {
                    current.push(ch);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                current.push(c);
            }
        }
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

/// One flag a verb accepts.
#[derive(Debug, Clone, Copy)]
pub struct FlagSpec {
    /// Long name without dashes: `namespace`.
    pub long: &'static str,
    /// Shorthand letter, if any: `n`.
    pub short: Option<char>,
    /// Whether it takes a value (`--image=nginx`); boolean flags may still be given
    /// `=true` / `=false`.
    pub takes_value: bool,
}

/// Shorthand constructor for flag tables.
pub const fn flag(long: &'static str, short: Option<char>, takes_value: bool) -> FlagSpec {
    FlagSpec { long, short, takes_value }
}

/// Parsed arguments: positionals, flags by long name (repeatable), and everything
/// after `--`.
#[derive(Debug, Default, Clone)]
pub struct Args {
    /// Positional arguments.
    pub positional: Vec<String>,
    /// Flag values by long name; boolean flags hold `"true"`/`"false"`.
    pub flags: BTreeMap<String, Vec<String>>,
    /// Words after a bare `--`.
    pub rest: Vec<String>,
}

impl Args {
    /// The last value of a flag.
    pub fn get(&self, long: &str) -> Option<&str> {
        self.flags.get(long).and_then(|v| v.last()).map(String::as_str)
    }

    /// All values of a repeatable flag.
    pub fn all(&self, long: &str) -> &[String] {
        self.flags.get(long).map_or(&[], Vec::as_slice)
    }

    /// A boolean flag: set without a value, or `=true`.
    pub fn is_set(&self, long: &str) -> bool {
        self.get(long).is_some_and(|v| v != "false")
    }
}

/// Flags every verb accepts.
pub const GLOBAL_FLAGS: &[FlagSpec] = &[flag("namespace", Some('n'), true), flag("help", Some('h'), false)];

/// Parses `words` (after the verb) against `specs` plus the global flags.
pub fn parse(verb: &str, words: &[String], specs: &[FlagSpec]) -> Result<Args, String> {
    let find_long = |name: &str| specs.iter().chain(GLOBAL_FLAGS).find(|s| s.long == name);
    let find_short = |c: char| specs.iter().chain(GLOBAL_FLAGS).find(|s| s.short == Some(c));
    let usage = format!("See 'kubectl {verb} --help' for usage.");
    let mut args = Args::default();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        i += 1;
        if word == "--" {
            args.rest = words[i..].to_vec();
            break;
        }
        if let Some(body) = word.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let spec = find_long(name).ok_or_else(|| format!("error: unknown flag: --{name}\n{usage}"))?;
            let value = match (spec.takes_value, inline) {
                (_, Some(v)) => v,
                (true, None) => {
                    let v = words.get(i).ok_or_else(|| format!("error: flag needs an argument: --{name}\n{usage}"))?;
                    i += 1;
                    v.clone()
                }
                (false, None) => "true".into(),
            };
            args.flags.entry(spec.long.to_string()).or_default().push(value);
        } else if word.len() > 1 && word.starts_with('-') && !word[1..].starts_with(|c: char| c.is_ascii_digit()) {
            // Shorthands: `-A`, `-n ns`, `-nns`, `-owide`, `-o=wide`.
            let body: Vec<char> = word[1..].chars().collect();
            let mut j = 0;
            while j < body.len() {
                let c = body[j];
                let spec =
                    find_short(c).ok_or_else(|| format!("error: unknown shorthand flag: '{c}' in {word}\n{usage}"))?;
                j += 1;
                if spec.takes_value {
                    let attached: String = body[j..].iter().collect();
                    let value = if !attached.is_empty() {
                        attached.strip_prefix('=').unwrap_or(&attached).to_string()
                    } else {
                        let v = words
                            .get(i)
                            .ok_or_else(|| format!("error: flag needs an argument: '{c}' in -{c}\n{usage}"))?;
                        i += 1;
                        v.clone()
                    };
                    args.flags.entry(spec.long.to_string()).or_default().push(value);
                    break;
                }
                // A boolean shorthand may carry its value: `-w=false`.
                if body.get(j) == Some(&'=') {
                    let value: String = body[j + 1..].iter().collect();
                    args.flags.entry(spec.long.to_string()).or_default().push(value);
                    break;
                }
                args.flags.entry(spec.long.to_string()).or_default().push("true".into());
            }
        } else {
            args.positional.push(word.clone());
        }
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        split_words(s).unwrap()
    }

    #[test]
    fn splits_like_a_shell() {
        assert_eq!(words("get pods -l 'app in (a,b)'"), ["get", "pods", "-l", "app in (a,b)"]);
        assert_eq!(words(r#"run x --env="A=b c""#), ["run", "x", "--env=A=b c"]);
        assert!(split_words("get 'x").is_err());
    }

    #[test]
    fn parses_long_short_and_attached_flags() {
        let specs = [flag("output", Some('o'), true), flag("all-namespaces", Some('A'), false)];
        let a = parse("get", &words("pods -owide -A -n kube-system --output=yaml"), &specs).unwrap();
        assert_eq!(a.positional, ["pods"]);
        assert_eq!(a.get("output"), Some("yaml"));
        assert!(a.is_set("all-namespaces"));
        assert_eq!(a.get("namespace"), Some("kube-system"));
        let a = parse("rollout", &words("status -w=false"), &[flag("watch", Some('w'), false)]).unwrap();
        assert!(!a.is_set("watch"));
    }

    #[test]
    fn unknown_flags_read_like_kubectl() {
        let err = parse("get", &words("pods --foo"), &[]).unwrap_err();
        assert_eq!(err, "error: unknown flag: --foo\nSee 'kubectl get --help' for usage.");
        let err = parse("get", &words("pods -x"), &[]).unwrap_err();
        assert!(err.starts_with("error: unknown shorthand flag: 'x' in -x"));
    }

    #[test]
    fn double_dash_collects_the_rest() {
        let a = parse("run", &words("x --image=busybox -- sleep 10"), &[flag("image", None, true)]).unwrap();
        assert_eq!(a.rest, ["sleep", "10"]);
    }
}
