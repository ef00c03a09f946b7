//! Label selector strings as `-l` takes them: `app=web`, `tier!=db`, `env in (a,b)`,
//! `env notin (c)`, `release`, `!release`.

use std::collections::BTreeMap;

use crate::api::meta::{LabelSelector, LabelSelectorRequirement};

/// Parses a selector string into a [`LabelSelector`].
pub fn parse(text: &str) -> Result<LabelSelector, String> {
    let mut sel = LabelSelector::default();
    for term in split_terms(text) {
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        let req = |key: &str, op: &str, values: Vec<String>| LabelSelectorRequirement {
            key: key.trim().to_string(),
            operator: op.to_string(),
            values,
        };
        let set_values = |rest: &str| -> Result<Vec<String>, String> {
            let inner = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("unable to parse requirement: found '{rest}', expected: '('"))?;
            Ok(inner.split(',').map(|v| v.trim().to_string()).collect())
        };
        if let Some((k, v)) = term.split_once("!=") {
            sel.match_expressions.push(req(k, "NotIn", vec![v.trim().to_string()]));
        } else if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
            sel.match_labels.insert(k.trim().to_string(), v.trim().to_string());
        } else if let Some((k, rest)) = term.split_once(" notin ") {
            sel.match_expressions.push(req(k, "NotIn", set_values(rest)?));
        } else if let Some((k, rest)) = term.split_once(" in ") {
            sel.match_expressions.push(req(k, "In", set_values(rest)?));
        } else if let Some(k) = term.strip_prefix('!') {
            sel.match_expressions.push(req(k, "DoesNotExist", vec![]));
        } else if term.contains(|c: char| c.is_whitespace() || "()<>".contains(c)) {
            return Err(format!(
                "unable to parse requirement: <nil>: Invalid value: \"{term}\": invalid label selector"
            ));
        } else {
            sel.match_expressions.push(req(term, "Exists", vec![]));
        }
    }
    Ok(sel)
}

/// Splits on commas that are not inside parentheses.
fn split_terms(text: &str) -> Vec<String> {
    let mut terms = vec![String::new()];
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(String::new());
                continue;
            }
            _ => {}
        }
        terms.last_mut().expect("never empty").push(c);
    }
    terms
}

/// Parses `k=v,k2=v2` (as `--labels` takes) into a map.
pub fn parse_labels(text: &str) -> Result<BTreeMap<String, String>, String> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|pair| {
            pair.split_once('=')
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| format!("error: invalid label spec: {pair}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn all_operators() {
        let l = labels(&[("app", "web"), ("env", "prod")]);
        for (text, expect) in [
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("env in (prod,dev)", true),
            ("env notin (prod)", false),
            ("app", true),
            ("!app", false),
            ("app=web,env=dev", false),
            ("", true),
        ] {
            assert_eq!(parse(text).unwrap().matches(&l), expect, "{text}");
        }
        assert!(parse("env in prod").is_err());
    }
}
