//! kube-apiserver and its store: the only write path. Every state change in the cluster is
//! a request here; each accepted write bumps the resourceVersion and yields a [`Change`]
//! that the engine turns into watch events for the components.

mod allocators;
pub mod error;
pub mod field_manager;

use std::rc::Rc;

use rand::RngExt;

use crate::api::core::Toleration;
use crate::api::defaults::apply_defaults;
use crate::api::meta::{Condition, Time, set_condition};
use crate::api::validation::{FieldError, validate_create, validate_update};
use crate::api::{Kind, LastShared, ObjKey, Object, ObjectMap, PodsByNode, Str};
use crate::engine::{SimRng, SimTime, rng};
pub use allocators::Allocators;
pub use error::ApiError;

/// What a write did, as a watch event carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    /// The object is new.
    Added,
    /// The object changed.
    Modified,
    /// The object is gone.
    Deleted,
}

/// One accepted write.
#[derive(Debug, Clone)]
pub struct Change {
    /// Added, Modified or Deleted.
    pub type_: ChangeType,
    /// The object after the write (for Deleted: its last state).
    pub object: Rc<Object>,
}

/// Most pods kubesim stores: the official envelope is 150,000; beyond a margin a runaway
/// `replicas` must not exhaust memory.
pub const MAX_PODS: usize = 200_000;

/// Namespaces the apiserver refuses to delete. Upstream protects the first three and
/// re-creates `kube-node-lease` when it goes; kubesim simply protects it too.
const PROTECTED_NAMESPACES: &[&str] = &["default", "kube-public", "kube-system", "kube-node-lease"];

/// The characters Kubernetes uses for random name suffixes (no vowels, no confusables).
pub const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// The apiserver with its store (standing in for etcd). Cloning it is cheap (objects are
/// shared) and gives a scratch copy for server-side dry runs.
#[derive(Clone)]
pub struct ApiServer {
    objects: ObjectMap,
    resource_version: u64,
    uid_rng: SimRng,
    name_rng: SimRng,
    allocators: Allocators,
    /// Pods in the store (for the [`MAX_PODS`] limit).
    pods: usize,
    /// The pods bound to each node, as upstream's watch cache indexes them by
    /// `spec.nodeName` for a kubelet's list.
    pods_by_node: PodsByNode,
    /// The tolerations of the last pod created: a ReplicaSet's pods get equal ones
    /// (DefaultTolerationSeconds' two, at least), held once.
    recent_tolerations: LastShared<Vec<Toleration>>,
}

impl ApiServer {
    /// An empty store whose random choices (uids, generated names, IPs, ports) derive
    /// from `seed`.
    pub fn new(seed: u64) -> ApiServer {
        ApiServer {
            objects: ObjectMap::default(),
            resource_version: 0,
            uid_rng: rng::stream(seed, "apiserver/uid"),
            name_rng: rng::stream(seed, "apiserver/generate-name"),
            allocators: Allocators::new(seed),
            pods: 0,
            pods_by_node: PodsByNode::default(),
            recent_tolerations: LastShared::default(),
        }
    }

    /// The object at `key`.
    pub fn get(&self, key: &ObjKey) -> Option<&Rc<Object>> {
        self.objects.get(key)
    }

    /// All objects of `kind`, in `namespace` if given, ordered by namespace and name.
    pub fn list(&self, kind: Kind, namespace: Option<&str>) -> impl Iterator<Item = &Rc<Object>> {
        // Cluster-scoped kinds live under the empty namespace whatever was asked.
        let namespace = if kind.namespaced() { namespace } else { Some("") };
        self.objects.list(kind, namespace)
    }

    /// Every stored object.
    pub fn all(&self) -> impl Iterator<Item = &Rc<Object>> {
        self.objects.values()
    }

    /// Every stored object in no meaningful order (see [`ObjectMap::values_unordered`]).
    pub fn all_unordered(&self) -> impl Iterator<Item = &Rc<Object>> {
        self.objects.values_unordered()
    }

    /// The current resourceVersion.
    pub fn resource_version(&self) -> u64 {
        self.resource_version
    }

    fn next_rv(&mut self) -> Str {
        self.resource_version += 1;
        Str::format(format_args!("{}", self.resource_version))
    }

    fn new_uid(&mut self) -> Str {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let bytes: [u8; 16] = self.uid_rng.random();
        // 8-4-4-4-12 hex digits, written in place: one allocation per object created.
        let mut uid = [b'-'; 36];
        let mut at = 0;
        for (i, b) in bytes.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                at += 1;
            }
            uid[at] = DIGITS[usize::from(b >> 4)];
            uid[at + 1] = DIGITS[usize::from(b & 0xf)];
            at += 2;
        }
        std::str::from_utf8(&uid).expect("hex digits and dashes").into()
    }

    /// Five random characters from [`NAME_ALPHABET`], as `generateName` appends.
    fn random_suffix(&mut self) -> [u8; 5] {
        std::array::from_fn(|_| NAME_ALPHABET[self.name_rng.random_range(0..NAME_ALPHABET.len())])
    }

    /// Creates `obj`: defaults, admission, validation, then store.
    pub fn create(&mut self, now: SimTime, mut obj: Object) -> Result<Change, ApiError> {
        let kind = obj.kind();
        if !obj.meta().resource_version.is_empty() {
            return Err(ApiError::BadRequest("resourceVersion should not be set on objects to be created".into()));
        }
        {
            let meta = obj.meta_mut();
            if kind.namespaced() && meta.namespace.is_empty() {
                meta.namespace = "default".into();
            }
            if !kind.namespaced() {
                meta.namespace = crate::api::Str::default();
            }
        }
        if obj.meta().name.is_empty() {
            match obj.meta().rare.generate_name.clone() {
                Some(prefix) if !prefix.is_empty() => {
                    // Upstream truncates the base to 58 characters (63 - 5).
                    let base = &prefix[..prefix.char_indices().nth(58).map_or(prefix.len(), |(at, _)| at)];
                    loop {
                        let suffix = self.random_suffix();
                        let suffix = std::str::from_utf8(&suffix).expect("the alphabet is ASCII");
                        let name = Str::format(format_args!("{base}{suffix}"));
                        if self.objects.find(kind, &obj.meta().namespace, &name).is_none() {
                            obj.meta_mut().name = name;
                            break;
                        }
                    }
                }
                _ => {
                    return Err(ApiError::Invalid {
                        kind,
                        name: String::new(),
                        errors: vec![FieldError {
                            path: "metadata.name".into(),
                            detail: "Required value: name or generateName is required".into(),
                        }],
                    });
                }
            }
        }
        let namespace = obj.meta().namespace.clone();
        if kind.namespaced() {
            match self.objects.find(Kind::Namespace, "", &namespace) {
                None => return Err(ApiError::NotFound { kind: Kind::Namespace, name: namespace.to_string() }),
                Some(ns) if ns.meta().deletion_timestamp.is_some() => {
                    return Err(ApiError::Forbidden(format!(
                        "{} \"{}\" is forbidden: unable to create new content in namespace {namespace} because it is being terminated",
                        error::qualified_resource(kind),
                        obj.meta().name
                    )));
                }
                // Every object of the namespace shares its name.
                Some(ns) => obj.meta_mut().namespace = ns.meta().name.clone(),
            }
        }
        apply_defaults(&mut obj);
        if let Object::Pod(pod) = &mut obj {
            pod.spec.tolerations = self.recent_tolerations.share(std::mem::take(&mut pod.spec.tolerations));
        }
        let name = obj.meta().name.clone();
        let errors = validate_create(&obj);
        if !errors.is_empty() {
            return Err(ApiError::Invalid { kind, name: name.to_string(), errors });
        }
        let key = obj.key();
        if self.objects.contains_key(&key) {
            return Err(ApiError::AlreadyExists { kind, name: name.to_string() });
        }
        if kind == Kind::Pod && self.pods >= MAX_PODS {
            return Err(ApiError::Forbidden(format!(
                "pods \"{name}\" is forbidden: kubesim holds at most {MAX_PODS} pods (Kubernetes' tested limit is 150000)"
            )));
        }
        prepare_for_create(&mut obj);
        if let Object::Service(svc) = &mut obj {
            self.allocators.allocate_service(svc).map_err(|errors| ApiError::Invalid {
                kind,
                name: name.to_string(),
                errors,
            })?;
        }
        let uid = self.new_uid();
        let rv = self.next_rv();
        let meta = obj.meta_mut();
        meta.uid = uid;
        meta.resource_version = rv;
        meta.creation_timestamp = Some(Time::at(now));
        meta.deletion_timestamp = None;
        if matches!(kind, Kind::Deployment | Kind::ReplicaSet) {
            meta.generation = Some(1);
        }
        obj.set_type_meta();
        let obj = Rc::new(obj);
        self.store(key, obj.clone());
        self.pods += usize::from(kind == Kind::Pod);
        Ok(Change { type_: ChangeType::Added, object: obj })
    }

    /// Replaces the object (not its status), if `obj`'s resourceVersion is current or
    /// empty. Returns `None` when nothing changed (no new resourceVersion, no event).
    pub fn update(&mut self, obj: Object) -> Result<Option<Change>, ApiError> {
        self.write(obj, false)
    }

    /// Replaces only the status (the `/status` subresource).
    pub fn update_status(&mut self, obj: Object) -> Result<Option<Change>, ApiError> {
        self.write(obj, true)
    }

    fn write(&mut self, mut obj: Object, status_only: bool) -> Result<Option<Change>, ApiError> {
        let kind = obj.kind();
        if kind.namespaced() && obj.meta().namespace.is_empty() {
            obj.meta_mut().namespace = "default".into();
        }
        let key = obj.key();
        let Some(old) = self.objects.get(&key).cloned() else {
            return Err(ApiError::NotFound { kind, name: key.name.to_string() });
        };
        let requested_rv = &obj.meta().resource_version;
        if !requested_rv.is_empty() && *requested_rv != old.meta().resource_version {
            return Err(ApiError::Conflict { kind, name: key.name.to_string() });
        }
        let new = if status_only {
            if obj.status_eq(&old) {
                return Ok(None);
            }
            let mut new = (*old).clone();
            new.swap_status(&mut obj);
            new
        } else {
            apply_defaults(&mut obj);
            // The main resource ignores status and server-owned metadata.
            obj.copy_status_from(&old);
            let (om, nm) = (old.meta(), obj.meta_mut());
            nm.uid = om.uid.clone();
            nm.creation_timestamp = om.creation_timestamp;
            nm.deletion_timestamp = om.deletion_timestamp;
            nm.generation = om.generation;
            // Written only when they differ: most updates keep sharing one empty part.
            let (og, nr) = (&om.rare, &nm.rare);
            if (&nr.generate_name, nr.deletion_grace_period_seconds)
                != (&og.generate_name, og.deletion_grace_period_seconds)
            {
                let rare = &mut *nm.rare;
                rare.generate_name = og.generate_name.clone();
                rare.deletion_grace_period_seconds = og.deletion_grace_period_seconds;
            }
            // A rejected update must not keep the ports it allocated: work on a copy.
            let allocators = match (&mut obj, &*old) {
                (Object::Service(new_svc), Object::Service(old_svc)) => {
                    let mut allocators = self.allocators.clone();
                    allocators.update_service(old_svc, new_svc).map_err(|errors| ApiError::Invalid {
                        kind,
                        name: key.name.to_string(),
                        errors,
                    })?;
                    Some(allocators)
                }
                _ => None,
            };
            let errors = validate_update(&old, &obj);
            if !errors.is_empty() {
                return Err(ApiError::Invalid { kind, name: key.name.to_string(), errors });
            }
            if let Some(allocators) = allocators {
                self.allocators = allocators;
            }
            if obj.meta().generation.is_some() && obj.spec_json() != old.spec_json() {
                obj.meta_mut().generation = old.meta().generation.map(|g| g + 1);
            }
            obj
        };
        let mut new = new;
        new.meta_mut().resource_version = old.meta().resource_version.clone();
        new.set_type_meta();
        if new == *old {
            return Ok(None);
        }
        // The last finalizer of an object being deleted is gone: delete it now.
        let finalized = old.meta().deletion_timestamp.is_some()
            && !old.meta().rare.finalizers.is_empty()
            && new.meta().rare.finalizers.is_empty()
            && graceful_pod_pending(&new).is_none();
        if finalized {
            return Ok(Some(self.remove(&key, &new)));
        }
        new.meta_mut().resource_version = self.next_rv();
        let new = Rc::new(new);
        self.store(key, new.clone());
        Ok(Some(Change { type_: ChangeType::Modified, object: new }))
    }

    /// Binds a pod to a node: sets `spec.nodeName` and `PodScheduled=True` at once, as
    /// the `pods/binding` subresource does.
    pub fn bind(&mut self, now: SimTime, key: &ObjKey, node: &Str) -> Result<Change, ApiError> {
        let Some(Object::Pod(pod)) = self.objects.get(key).map(|o| (**o).clone()) else {
            return Err(ApiError::NotFound { kind: Kind::Pod, name: key.name.to_string() });
        };
        if let Some(existing) = &pod.spec.node_name {
            return Err(ApiError::Conflict {
                kind: Kind::Pod,
                name: format!("{}: pod is already assigned to node \"{existing}\"", key.name),
            });
        }
        if pod.metadata.deletion_timestamp.is_some() {
            return Err(ApiError::Forbidden(format!(
                "pod {} is being deleted, cannot be assigned to a host",
                key.name
            )));
        }
        let mut pod = pod;
        pod.spec.node_name = Some(node.clone());
        set_condition(
            &mut pod.status.conditions,
            Condition {
                type_: Str::lit("PodScheduled"),
                status: Str::lit("True"),
                last_transition_time: Some(Time::at(now)),
                ..Default::default()
            },
        );
        pod.metadata.resource_version = self.next_rv();
        let obj = Rc::new(Object::Pod(pod));
        self.store(key.clone(), obj.clone());
        Ok(Change { type_: ChangeType::Modified, object: obj })
    }

    /// Marks a namespace Terminating (the first step of deleting it); its content is then
    /// deleted, and the namespace itself once it is empty.
    pub fn terminate_namespace(&mut self, now: SimTime, name: &str) -> Result<Change, ApiError> {
        let key = ObjKey::new(Kind::Namespace, "", name);
        let Some(Object::Namespace(ns)) = self.objects.get(&key).map(|o| (**o).clone()) else {
            return Err(ApiError::NotFound { kind: Kind::Namespace, name: name.into() });
        };
        if PROTECTED_NAMESPACES.contains(&name) {
            return Err(ApiError::Forbidden(format!(
                "namespaces \"{name}\" is forbidden: this namespace may not be deleted"
            )));
        }
        let mut ns = ns;
        ns.metadata.deletion_timestamp.get_or_insert(Time::at(now));
        ns.status.get_or_insert_with(Default::default).phase = Some("Terminating".into());
        ns.metadata.resource_version = self.next_rv();
        let obj = Rc::new(Object::Namespace(ns));
        self.store(key, obj.clone());
        Ok(Change { type_: ChangeType::Modified, object: obj })
    }

    /// Keys of every object in `namespace`.
    pub fn keys_in_namespace(&self, namespace: &str) -> Vec<ObjKey> {
        crate::api::kinds::KINDS
            .iter()
            .filter(|info| info.namespaced)
            .flat_map(|info| self.list(info.kind, Some(namespace)).map(|o| o.key()))
            .collect()
    }

    /// Deletes the object at `key`. Pods running on a node are deleted gracefully: they
    /// get a deletionTimestamp and stay until their kubelet confirms with grace 0.
    /// `grace_s` overrides the pod's terminationGracePeriodSeconds. `Foreground` and
    /// `Orphan` propagation add their finalizer, for the garbage collector to finish.
    /// `Ok(None)` when the object was already being deleted that way.
    pub fn delete(
        &mut self,
        now: SimTime,
        key: &ObjKey,
        grace_s: Option<i64>,
        propagation: Propagation,
    ) -> Result<Option<Change>, ApiError> {
        let Some(old) = self.objects.get(key).cloned() else {
            return Err(ApiError::NotFound { kind: key.kind, name: key.name.to_string() });
        };
        let graceful = match &*old {
            Object::Pod(p) => {
                let terminal = matches!(p.status.phase.as_deref(), Some("Succeeded" | "Failed"));
                let grace = grace_s.or(p.spec.termination_grace_period_seconds).unwrap_or(30);
                (p.spec.node_name.is_some() && !terminal && grace > 0).then_some(grace)
            }
            _ => None,
        };
        let mut finalizers = old.meta().rare.finalizers.clone();
        if let Some(f) = propagation.finalizer().filter(|f| !finalizers.iter().any(|x| x == f)) {
            finalizers.push(f.to_string());
        }
        let has_finalizers = !finalizers.is_empty() && key.kind != Kind::Namespace;
        if graceful.is_some() || has_finalizers {
            let already = old.meta().deletion_timestamp.is_some();
            let current_grace = old.meta().rare.deletion_grace_period_seconds;
            // A second delete may only shorten the grace period or add a finalizer.
            let shorter = graceful.is_some() && graceful < current_grace;
            if already && !shorter && finalizers == old.meta().rare.finalizers {
                return Ok(None);
            }
            let mut new = (*old).clone();
            let grace = graceful.unwrap_or(0);
            let meta = new.meta_mut();
            if !already || shorter {
                meta.deletion_timestamp = Some(Time::at(now.plus_ms(crate::engine::time::secs_to_ms(grace))));
                meta.rare.deletion_grace_period_seconds = Some(grace);
                if let Some(g) = meta.generation.as_mut() {
                    *g += 1;
                }
            }
            meta.rare.finalizers = finalizers;
            meta.resource_version = self.next_rv();
            let new = Rc::new(new);
            self.store(key.clone(), new.clone());
            return Ok(Some(Change { type_: ChangeType::Modified, object: new }));
        }
        Ok(Some(self.remove(key, &old)))
    }

    /// Puts an object into the store, keeping the index of pods by node.
    fn store(&mut self, key: ObjKey, obj: Rc<Object>) {
        let old = self.objects.insert(key.clone(), obj.clone());
        self.pods_by_node.update(&key, old.as_deref(), Some(&obj));
    }

    /// The pods bound to `node`, in key order (a kubelet's list).
    pub fn pods_on(&self, node: &str) -> impl Iterator<Item = &Rc<Object>> {
        self.pods_by_node.on(node).filter_map(|(namespace, name)| {
            let pod = self.objects.find(Kind::Pod, namespace, name);
            debug_assert!(pod.is_some(), "the index of pods by node names {namespace}/{name}, which is not stored");
            pod
        })
    }

    /// Takes an object out of the store for good.
    fn remove(&mut self, key: &ObjKey, old: &Object) -> Change {
        if let Some(gone) = self.objects.remove(key) {
            self.pods_by_node.update(key, Some(&gone), None);
        }
        self.pods -= usize::from(key.kind == Kind::Pod);
        if let Object::Service(svc) = old {
            self.allocators.release_service(svc);
        }
        let mut last = old.clone();
        last.meta_mut().resource_version = self.next_rv();
        Change { type_: ChangeType::Deleted, object: Rc::new(last) }
    }
}

/// What happens to an object's dependents when it is deleted (`--cascade`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Propagation {
    /// Delete the object now; the garbage collector deletes its dependents after.
    #[default]
    Background,
    /// Delete the dependents first; the object goes when they are gone.
    Foreground,
    /// Keep the dependents, without their owner reference.
    Orphan,
}

impl Propagation {
    /// The finalizer that makes the garbage collector act before the object goes.
    pub fn finalizer(self) -> Option<&'static str> {
        match self {
            Propagation::Background => None,
            Propagation::Foreground => Some(FOREGROUND_FINALIZER),
            Propagation::Orphan => Some(ORPHAN_FINALIZER),
        }
    }
}

/// Finalizer of foreground cascading deletion.
pub const FOREGROUND_FINALIZER: &str = "foregroundDeletion";
/// Finalizer of orphaning deletion.
pub const ORPHAN_FINALIZER: &str = "orphan";

/// For a pod still running on a node, the node it waits on: such a pod goes only when its
/// kubelet confirms, whatever its finalizers.
fn graceful_pod_pending(obj: &Object) -> Option<&str> {
    let pod = obj.as_pod()?;
    let terminal = matches!(pod.status.phase.as_deref(), Some("Succeeded" | "Failed"));
    let grace = pod.metadata.rare.deletion_grace_period_seconds.unwrap_or(0);
    pod.spec.node_name.as_deref().filter(|_| !terminal && grace > 0)
}

/// Resets what a client may not set on create (status), and gives pods their first status.
fn prepare_for_create(obj: &mut Object) {
    match obj {
        Object::Pod(pod) => {
            pod.status = Default::default();
            pod.status.phase = Some(Str::lit("Pending"));
            pod.status.qos_class = Some(Str::lit(qos_class(&pod.spec)));
        }
        Object::Deployment(d) => d.status = Default::default(),
        Object::ReplicaSet(rs) => rs.status = Default::default(),
        Object::Service(svc) => svc.status = Default::default(),
        _ => {}
    }
}

/// The pod's QoS class: Guaranteed, Burstable or BestEffort (upstream `GetPodQOS`).
pub fn qos_class(spec: &crate::api::core::PodSpec) -> &'static str {
    let mut any = false;
    let mut guaranteed = true;
    for c in &spec.containers {
        let Some(res) = &c.resources else {
            guaranteed = false;
            continue;
        };
        any |= !res.requests.is_empty() || !res.limits.is_empty();
        for r in ["cpu", "memory"] {
            let limit = res.limits.get(r).and_then(|q| q.milli_value());
            let request = res.requests.get(r).and_then(|q| q.milli_value()).or(limit);
            if limit.is_none() || request != limit {
                guaranteed = false;
            }
        }
    }
    match (any, guaranteed) {
        (false, _) => "BestEffort",
        (true, true) => "Guaranteed",
        (true, false) => "Burstable",
    }
}

#[cfg(test)]
mod tests;
