//! `kubectl patch`: strategic merge (the default), JSON merge (RFC 7386) and JSON patch
//! (RFC 6902), through the patch functions the apiserver uses.

use serde_json::Value;

use super::args::flag;
use super::{CmdOutput, kind_and_names, namespace_of, parse_flags};
use crate::api::ObjKey;
use crate::api::decode::from_json;
use crate::api::patch::{json_patch, merge_patch, strategic_merge};
use crate::apiserver::ApiError;
use crate::cluster::Cluster;

/// `kubectl patch TYPE NAME -p PATCH [--type strategic|merge|json]`.
pub fn patch(cluster: &mut Cluster, cause: u64, words: &[String], out: &mut CmdOutput) {
    let specs = [flag("patch", Some('p'), true), flag("type", None, true)];
    let Some(args) = parse_flags("patch", words, &specs, out) else { return };
    let Some(text) = args.get("patch") else {
        return out.fail("error: must specify -p to patch");
    };
    let patch: Value = match serde_yaml::from_str(text) {
        Ok(v) => v,
        Err(e) => return out.fail(format!("error: unable to parse \"{text}\": {e}")),
    };
    let Some((kind, names)) = kind_and_names(&args.positional, out) else {
        if args.positional.is_empty() {
            out.fail("error: resource(s) were provided, but no name was specified");
        }
        return;
    };
    let ns = namespace_of(&args);
    for name in names {
        let Some(live) = cluster.api().get(&ObjKey::new(kind, &ns, &name)).cloned() else {
            out.fail(ApiError::NotFound { kind, name }.to_string());
            continue;
        };
        let mut doc = live.to_json();
        let applied = match args.get("type").unwrap_or("strategic") {
            "strategic" => strategic_merge(&mut doc, &patch),
            "merge" => {
                merge_patch(&mut doc, &patch);
                Ok(())
            }
            "json" => json_patch(&mut doc, &patch),
            other => {
                return out.fail(format!("error: --type must be one of [json merge strategic], not \"{other}\""));
            }
        };
        if let Err(e) = applied {
            out.fail(format!("The request is invalid: {e}"));
            continue;
        }
        let obj = match from_json(kind, doc) {
            Ok(o) => o,
            Err(e) => {
                out.fail(format!("Error from server (BadRequest): the patched {} is not valid: {e}", kind.name()));
                continue;
            }
        };
        let label = format!("{}/{}", kind.kubectl_name(), name);
        match cluster.with_ctx("kubectl", cause, |ctx| ctx.update(obj, "kubectl patch")) {
            Ok(Some(_)) => {
                out.wrote = true;
                out.out(format!("{label} patched"));
            }
            Ok(None) => out.out(format!("{label} patched (no change)")),
            Err(e) => out.fail(e.to_string()),
        }
    }
}
