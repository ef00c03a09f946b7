//! `Ctx`: what a component may touch while it handles one event. Every write goes
//! through here to the apiserver, is traced with its cause, and becomes a watch event.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::rc::Rc;

use crate::api::core::{Event, EventSource, ObjectReference};
use crate::api::meta::Time;
use crate::api::{Kind, ObjKey, Object, Str};
use crate::apiserver::{ApiError, ApiServer, Change, ChangeType, Propagation};
use crate::engine::hash::Fnv64;
use crate::engine::time::epoch_unix_s;
use crate::engine::{EventQueue, SimTime, Trace};

use super::SimEvent;
use super::recorder::{COMBINED, Correlated, EventKeys, EventRecorders};

/// Who reports an Event (`source.component` / `source.host`).
#[derive(Debug, Clone, Copy)]
pub struct Reporter<'a> {
    /// `kubelet`, `default-scheduler`, `node-controller`, ...
    pub component: &'a str,
    /// The node, for kubelets.
    pub host: Option<&'a str>,
    /// Whether it records through client-go's `tools/record`, which aggregates similar
    /// Events and throttles a chatty source; the scheduler's `tools/events` does not.
    pub correlated: bool,
}

impl<'a> Reporter<'a> {
    /// A component that records through `tools/record`, as all but the scheduler do.
    pub const fn correlated(component: &'a str, host: Option<&'a str>) -> Self {
        Reporter { component, host, correlated: true }
    }

    /// A component that records through `tools/events`, as the scheduler does.
    pub const fn uncorrelated(component: &'a str) -> Self {
        Reporter { component, host: None, correlated: false }
    }
}

/// What the correlator compares of an Event, hashed. Each component has a correlator of
/// its own, so the source is implied, and the object's uid stands for the whole
/// reference. client-go compares the strings themselves; two Events whose 64-bit keys
/// collided would be counted as one, which is negligible beside everything else.
fn event_keys(uid: &str, reporter: Reporter<'_>, type_: &str, reason: &str, message: &str) -> EventKeys {
    let mut source_object = Fnv64::default();
    for field in [reporter.component, uid] {
        source_object.write(field.as_bytes()).write(&[0xff]);
    }
    let mut similar = source_object;
    for field in [type_, reason] {
        similar.write(field.as_bytes()).write(&[0xff]);
    }
    let event = *similar.clone().write(message.as_bytes());
    EventKeys {
        event: event.finish(),
        similar: similar.finish(),
        message: Fnv64::default().write(message.as_bytes()).finish(),
        source_object: source_object.finish(),
    }
}

/// The shared machinery a handler writes through.
pub struct Ctx<'a> {
    /// The current simulated time.
    pub now: SimTime,
    /// Trace id of the event being handled; the cause of everything done here.
    pub cause: u64,
    /// Trace name of the acting component (`default-scheduler`, `kubelet/node-1`).
    pub component: &'a str,
    pub(super) api: &'a mut ApiServer,
    pub(super) trace: &'a mut Trace,
    pub(super) queue: &'a mut EventQueue<SimEvent>,
    pub(super) changes: &'a mut Vec<(Change, u64)>,
    pub(super) events: &'a mut EventRecorders,
    pub(super) silenced: &'a BTreeMap<String, u64>,
    pub(super) partitioned: &'a BTreeSet<String>,
}

impl Ctx<'_> {
    /// Read access to the apiserver's store, for front ends (kubectl); components read
    /// their own caches instead.
    pub fn api(&self) -> &ApiServer {
        self.api
    }

    /// A kubelet on a partitioned node cannot reach the apiserver: its writes fail.
    fn cut_off(&self) -> Result<(), ApiError> {
        let node = self.component.strip_prefix("kubelet/");
        if node.is_some_and(|n| self.partitioned.contains(n)) { Err(ApiError::Unreachable) } else { Ok(()) }
    }

    /// Attributes what follows to the fault that silenced `node`, if one did. Only the
    /// trace's causal links change: a controller sees silence, the trace knows why.
    pub fn blame_silence_of(&mut self, node: &str) {
        if let Some(id) = self.silenced.get(node) {
            self.cause = *id;
        }
    }

    /// The component that did what is now the cause, if it is traced.
    pub fn cause_component(&self) -> Option<&str> {
        self.trace.component(self.cause)
    }

    /// Makes the last traced action the cause of what follows (a controller's later
    /// writes in the same handler happen because of its earlier one).
    pub fn chain_from_last(&mut self) {
        self.cause = self.trace.last_id().max(self.cause);
    }

    /// Records a trace line about `key` that is not an API write (a container started,
    /// a fault).
    pub fn trace(&mut self, action: &str, key: &ObjKey, detail: fmt::Arguments<'_>) -> u64 {
        self.trace.record_fmt(self.now, self.cause, self.component, action, key, detail)
    }

    /// The acting component's process restarted: its event recorder starts empty.
    pub fn restart_event_recorder(&mut self) {
        self.events.forget(self.component);
    }

    /// Schedules `event` after `delay_ms`, caused by the current event.
    pub fn schedule(&mut self, delay_ms: u64, event: SimEvent) {
        self.queue.push(self.now.plus_ms(delay_ms), self.cause, event);
    }

    fn accepted(&mut self, action: &str, change: Change, note: fmt::Arguments<'_>) -> Rc<Object> {
        let object = change.object.clone();
        let id = self.trace(action, &object.key(), format_args!("rv={} {note}", object.meta().resource_version));
        self.changes.push((change, id));
        object
    }

    fn rejected(&mut self, action: &str, key: &ObjKey, err: &ApiError) {
        self.trace("rejected", key, format_args!("{action}: {err}"));
    }

    /// Traces a write's outcome; accepted writes also become watch events.
    fn outcome(
        &mut self,
        action: &str,
        key: &ObjKey,
        result: Result<Option<Change>, ApiError>,
        note: fmt::Arguments<'_>,
    ) -> Result<Option<Rc<Object>>, ApiError> {
        match result {
            Ok(change) => Ok(change.map(|c| self.accepted(action, c, note))),
            Err(e) => {
                self.rejected(action, key, &e);
                Err(e)
            }
        }
    }

    /// Creates an object; `note` says why, for the trace.
    pub fn create(&mut self, obj: Object, note: &str) -> Result<Rc<Object>, ApiError> {
        self.create_noted(obj, format_args!("{note}"))
    }

    /// `create`, with a note that is formatted only into the trace line.
    fn create_noted(&mut self, obj: Object, note: fmt::Arguments<'_>) -> Result<Rc<Object>, ApiError> {
        self.cut_off()?;
        let key = obj.key();
        let result = self.api.create(self.now, obj).map(Some);
        self.outcome("create", &key, result, note).map(|o| o.expect("a create always changes the store"))
    }

    /// Updates an object (not its status). `Ok(None)` when nothing changed.
    pub fn update(&mut self, obj: Object, note: &str) -> Result<Option<Rc<Object>>, ApiError> {
        self.cut_off()?;
        let key = obj.key();
        let result = self.api.update(obj);
        self.outcome("update", &key, result, format_args!("{note}"))
    }

    /// Updates an object's status. `Ok(None)` when nothing changed.
    pub fn update_status(&mut self, obj: Object, note: &str) -> Result<Option<Rc<Object>>, ApiError> {
        self.cut_off()?;
        let key = obj.key();
        let result = self.api.update_status(obj);
        self.outcome("update-status", &key, result, format_args!("{note}"))
    }

    /// Deletes an object (gracefully for running pods unless `grace_s` is `Some(0)`);
    /// dependents are garbage-collected afterwards. `Ok(None)` when it was already
    /// being deleted.
    pub fn delete(&mut self, key: &ObjKey, grace_s: Option<i64>, note: &str) -> Result<Option<Rc<Object>>, ApiError> {
        self.delete_with(key, grace_s, Propagation::Background, note)
    }

    /// Deletes an object with the given propagation of the deletion to its dependents.
    /// Deleting a namespace deletes its content first, as the namespace controller does;
    /// the namespace goes when its last object has.
    pub fn delete_with(
        &mut self,
        key: &ObjKey,
        grace_s: Option<i64>,
        propagation: Propagation,
        note: &str,
    ) -> Result<Option<Rc<Object>>, ApiError> {
        self.cut_off()?;
        if key.kind == Kind::Namespace {
            return self.delete_namespace(&key.name, note).map(Some);
        }
        let result = self.api.delete(self.now, key, grace_s, propagation);
        let gone = result.as_ref().is_ok_and(|c| c.as_ref().is_some_and(|c| c.type_ == ChangeType::Deleted));
        let obj = self.outcome("delete", key, result, format_args!("{note}"))?;
        if gone && key.kind.namespaced() {
            self.finish_namespace_if_empty(&key.namespace);
        }
        Ok(obj)
    }

    fn delete_namespace(&mut self, name: &str, note: &str) -> Result<Rc<Object>, ApiError> {
        let key = ObjKey::new(Kind::Namespace, "", name);
        let result = self.api.terminate_namespace(self.now, name).map(Some);
        let terminating =
            self.outcome("delete", &key, result, format_args!("{note}"))?.expect("terminating changes the store");
        for key in self.api.keys_in_namespace(name) {
            let _ = self.delete(&key, None, "namespace controller: the namespace is being deleted");
        }
        self.finish_namespace_if_empty(name);
        Ok(terminating)
    }

    fn finish_namespace_if_empty(&mut self, name: &str) {
        let key = ObjKey::new(Kind::Namespace, "", name);
        let terminating = self.api.get(&key).is_some_and(|ns| ns.meta().deletion_timestamp.is_some());
        if terminating
            && self.api.keys_in_namespace(name).is_empty()
            && let Ok(Some(change)) = self.api.delete(self.now, &key, None, Propagation::Background)
        {
            self.accepted("delete", change, format_args!("namespace controller: the namespace is empty"));
        }
    }

    /// Records a core/v1 Event about `involved` through the component's correlator, as
    /// client-go's event recorder does: a new Event, a bump of an identical or similar
    /// one's count, or nothing when the source has sent too many about the object.
    pub fn event(&mut self, involved: &Object, reporter: Reporter<'_>, type_: &str, reason: &str, message: &str) {
        let meta = involved.meta();
        let keys = event_keys(meta.uid.as_str(), reporter, type_, reason, message);
        let now = self.now;
        let correlated = self.events.correlate(self.component, reporter.correlated, now, keys, |named| {
            // client-go names an Event after its object and the time in nanoseconds; the
            // last digits keep Events named in the same millisecond apart.
            *named += 1;
            let unix_nanos =
                (epoch_unix_s() * 1000).saturating_add(now.as_ms()).saturating_mul(1_000_000).saturating_add(*named);
            Str::format(format_args!("{}.{unix_nanos:x}", meta.name))
        });
        let Correlated::Send { name, count, first, combined } = correlated else { return };
        // The correlator has counted it: client-go correlates before it sends, and drops
        // what it cannot send (after retries that kubesim does not model).
        if self.cut_off().is_err() {
            return;
        }
        let message: Cow<'_, str> = if combined { format!("{COMBINED}{message}").into() } else { message.into() };
        // An Event lives in its object's namespace; a cluster-scoped object's in default.
        let namespace = if meta.namespace.is_empty() { Str::lit("default") } else { meta.namespace.clone() };
        // Sent before: client-go patches the Event by the name its logger remembers (a
        // first one has a new name: nothing to look up).
        let stored = if count > 1 { self.api.get(&ObjKey::shared(Kind::Event, &namespace, &name)) } else { None };
        if let Some(Object::Event(ev)) = stored.map(|o| &**o) {
            let mut ev = ev.clone();
            ev.count = Some(count);
            ev.last_timestamp = Some(Time::at(now));
            if ev.message.as_deref() != Some(&*message) {
                ev.message = Some(self.events.message(ev.reason.as_ref().unwrap_or(&Str::default()), &message));
            }
            let _ = self.update(Object::Event(ev), reason);
            return;
        }
        // Sent for the first time, or again after the spam filter dropped it or someone
        // deleted it: client-go creates it, with its count so far.
        let mut ev = Event::default();
        ev.metadata.name = name;
        ev.metadata.namespace = namespace;
        ev.involved_object = ObjectReference {
            api_version: Some(Str::lit(involved.kind().api_version())),
            kind: Some(Str::lit(involved.kind().name())),
            namespace: (!meta.namespace.is_empty()).then(|| meta.namespace.clone()),
            name: Some(meta.name.clone()),
            uid: Some(meta.uid.clone()),
            resource_version: Some(meta.resource_version.clone()),
            field_path: None,
        };
        let shared_reason = self.trace.intern(reason);
        ev.message = Some(self.events.message(&shared_reason, &message));
        ev.reason = Some(shared_reason);
        let component = self.trace.intern(reporter.component);
        let host = reporter.host.map(|h| self.trace.intern(h));
        ev.source = EventSource { component: Some(component.clone()), host: host.clone() };
        ev.first_timestamp = Some(Time::at(first));
        ev.last_timestamp = Some(Time::at(now));
        ev.count = Some(count);
        ev.type_ = Some(self.trace.intern(type_));
        // A combined Event is made afresh by the aggregator, without the reporting fields.
        if !combined {
            ev.reporting_component = Some(component);
            ev.reporting_instance = Some(host.unwrap_or_default());
        }
        let _ = self.create_noted(Object::from(ev), format_args!("{type_} {reason}: {message}"));
    }

    /// Binds a pod to a node (the `pods/binding` subresource): sets `spec.nodeName` and
    /// the `PodScheduled` condition in one write.
    pub fn bind(&mut self, key: &ObjKey, node: &Str) -> Result<Rc<Object>, ApiError> {
        let result = self.api.bind(self.now, key, node).map(Some);
        self.outcome("bind", key, result, format_args!("-> {node}")).map(|o| o.expect("a bind changes the store"))
    }

    /// Sets `PodScheduled=False` with reason `Unschedulable` and the scheduler's message.
    pub fn set_pod_unschedulable(&mut self, key: &ObjKey, message: &str) -> Result<Option<Rc<Object>>, ApiError> {
        let Some(Object::Pod(pod)) = self.api.get(key).map(|o| (**o).clone()) else {
            return Err(ApiError::NotFound { kind: Kind::Pod, name: key.name.to_string() });
        };
        let mut pod = pod;
        crate::api::meta::set_condition(
            &mut pod.status.conditions,
            crate::api::meta::Condition {
                type_: "PodScheduled".into(),
                status: "False".into(),
                last_transition_time: Some(Time::at(self.now)),
                reason: Some("Unschedulable".into()),
                message: Some(message.into()),
                ..Default::default()
            },
        );
        pod.metadata.resource_version = Str::default();
        self.update_status(Object::Pod(pod), "unschedulable")
    }

    /// The current object at `key` in the store (for front ends).
    pub fn get(&self, key: &ObjKey) -> Option<Rc<Object>> {
        self.api.get(key).cloned()
    }

    /// Shortcut: the store's objects of a kind in a namespace.
    pub fn list(&self, kind: Kind, namespace: Option<&str>) -> Vec<Rc<Object>> {
        self.api.list(kind, namespace).cloned().collect()
    }
}
