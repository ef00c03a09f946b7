use super::*;

use crate::api::Shared;
use crate::api::core::{Container, Namespace, Pod};

fn ns(name: &str) -> Object {
    let mut n = Namespace::default();
    n.metadata.name = name.into();
    Object::from(n)
}

fn pod(name: &str) -> Object {
    let mut p = Pod::default();
    p.metadata.name = name.into();
    p.spec.containers.push(Container { name: "c".into(), image: Some("nginx:1.27".into()), ..Default::default() });
    Object::from(p)
}

fn server() -> ApiServer {
    let mut api = ApiServer::new(0);
    api.create(SimTime::ZERO, ns("default")).unwrap();
    api
}

#[test]
fn create_assigns_metadata_and_defaults() {
    let mut api = server();
    let change = api.create(SimTime(1500), pod("web")).unwrap();
    let meta = change.object.meta();
    assert_eq!(meta.namespace, "default");
    assert_eq!(meta.resource_version, "2");
    assert_eq!(meta.uid.len(), 36);
    assert_eq!(meta.creation_timestamp, Some(Time::at(SimTime(1500))));
    let Object::Pod(p) = &*change.object else { panic!() };
    assert_eq!(p.status.phase.as_deref(), Some("Pending"));
    assert_eq!(p.api_version, "v1");
}

#[test]
fn pods_created_in_a_row_with_equal_tolerations_hold_one_copy() {
    let mut api = server();
    let tolerations = |name: &str, api: &mut ApiServer| {
        let change = api.create(SimTime::ZERO, pod(name)).unwrap();
        change.object.as_pod().unwrap().spec.tolerations.clone()
    };
    let (a, b) = (tolerations("a", &mut api), tolerations("b", &mut api));
    // DefaultTolerationSeconds' two, in one allocation for both pods.
    assert_eq!(a.len(), 2);
    assert!(Shared::ptr_eq(&a, &b));
}

#[test]
fn duplicate_names_are_refused() {
    let mut api = server();
    api.create(SimTime::ZERO, pod("web")).unwrap();
    let err = api.create(SimTime::ZERO, pod("web")).unwrap_err();
    assert_eq!(err.to_string(), "Error from server (AlreadyExists): pods \"web\" already exists");
}

#[test]
fn stale_resource_version_conflicts() {
    let mut api = server();
    let created = api.create(SimTime::ZERO, pod("web")).unwrap().object;
    let mut first = (*created).clone();
    first.meta_mut().labels.insert("a".into(), "1".into());
    api.update(first).unwrap().expect("a change");
    let mut stale = (*created).clone();
    stale.meta_mut().labels.insert("b".into(), "2".into());
    assert!(matches!(api.update(stale), Err(ApiError::Conflict { .. })));
}

#[test]
fn no_op_updates_do_not_bump_the_resource_version() {
    let mut api = server();
    let created = api.create(SimTime::ZERO, pod("web")).unwrap().object;
    let rv = api.resource_version();
    assert!(api.update((*created).clone()).unwrap().is_none());
    assert_eq!(api.resource_version(), rv);
}

#[test]
fn generate_name_appends_five_seeded_characters() {
    let mut api = server();
    let mut p = pod("");
    p.meta_mut().rare.generate_name = Some("web-".into());
    let name = api.create(SimTime::ZERO, p).unwrap().object.meta().name.clone();
    assert_eq!(name.len(), 9);
    assert!(name[4..].bytes().all(|b| NAME_ALPHABET.contains(&b)), "{name}");
    let again = {
        let mut api = server();
        let mut p = pod("");
        p.meta_mut().rare.generate_name = Some("web-".into());
        api.create(SimTime::ZERO, p).unwrap().object.meta().name.clone()
    };
    assert_eq!(name, again, "same seed, same name");
}

#[test]
fn missing_namespace_is_not_found() {
    let mut api = server();
    let mut p = pod("web");
    p.meta_mut().namespace = "nope".into();
    let err = api.create(SimTime::ZERO, p).unwrap_err();
    assert_eq!(err.to_string(), "Error from server (NotFound): namespaces \"nope\" not found");
}

#[test]
fn bound_pods_are_deleted_gracefully() {
    let mut api = server();
    let mut p = pod("web");
    if let Object::Pod(p) = &mut p {
        p.spec.node_name = Some("node-1".into());
    }
    let key = api.create(SimTime::ZERO, p).unwrap().object.key();
    let change = api.delete(SimTime(1000), &key, None, Propagation::Background).unwrap().expect("a change");
    assert_eq!(change.type_, ChangeType::Modified);
    assert_eq!(change.object.meta().rare.deletion_grace_period_seconds, Some(30));
    let change = api.delete(SimTime(2000), &key, Some(0), Propagation::Background).unwrap().expect("a change");
    assert_eq!(change.type_, ChangeType::Deleted);
    assert!(api.get(&key).is_none());
}

#[test]
fn unbound_pods_are_deleted_at_once() {
    let mut api = server();
    let key = api.create(SimTime::ZERO, pod("web")).unwrap().object.key();
    assert_eq!(
        api.delete(SimTime(1), &key, None, Propagation::Background).unwrap().expect("a change").type_,
        ChangeType::Deleted
    );
}

#[test]
fn list_is_scoped_and_ordered() {
    let mut api = server();
    api.create(SimTime::ZERO, ns("other")).unwrap();
    for (n, name) in [("default", "b"), ("other", "a"), ("default", "a")] {
        let mut p = pod(name);
        p.meta_mut().namespace = n.into();
        api.create(SimTime::ZERO, p).unwrap();
    }
    let names: Vec<String> = api.list(Kind::Pod, Some("default")).map(|o| o.meta().name.to_string()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(api.list(Kind::Pod, None).count(), 3);
    assert_eq!(api.list(Kind::Namespace, None).count(), 2);
}

#[test]
fn foreground_deletion_waits_for_the_finalizer() {
    let mut api = server();
    let key = api.create(SimTime::ZERO, pod("web")).unwrap().object.key();
    let change = api.delete(SimTime(1), &key, None, Propagation::Foreground).unwrap().expect("a change");
    assert_eq!(change.type_, ChangeType::Modified);
    assert_eq!(*change.object.meta().rare.finalizers, [FOREGROUND_FINALIZER]);
    assert!(api.delete(SimTime(2), &key, None, Propagation::Foreground).unwrap().is_none(), "idempotent");
    let mut done = (*change.object).clone();
    done.meta_mut().rare.finalizers.clear();
    let gone = api.update(done).unwrap().expect("a change");
    assert_eq!(gone.type_, ChangeType::Deleted);
    assert!(api.get(&key).is_none());
}

#[test]
fn the_pods_of_a_node_are_found_by_the_index_as_they_bind_and_go() {
    let mut api = server();
    for name in ["b", "a", "c"] {
        api.create(SimTime::ZERO, pod(name)).unwrap();
    }
    let names =
        |api: &ApiServer, node: &str| -> Vec<String> { api.pods_on(node).map(|p| p.meta().name.to_string()).collect() };
    assert!(names(&api, "node-1").is_empty(), "unbound pods are on no node");
    let key = |name: &str| ObjKey::new(Kind::Pod, "default", name);
    for name in ["c", "a"] {
        api.bind(SimTime::ZERO, &key(name), &"node-1".into()).unwrap();
    }
    api.bind(SimTime::ZERO, &key("b"), &"node-2".into()).unwrap();
    assert_eq!(names(&api, "node-1"), ["a", "c"], "in key order");
    assert_eq!(names(&api, "node-2"), ["b"]);
    // A status write keeps the pod where it is; a deletion takes it out.
    let mut status = api.get(&key("a")).unwrap().as_pod().unwrap().clone();
    status.status.phase = Some("Running".into());
    status.metadata.resource_version = Default::default();
    api.update_status(Object::from(status)).unwrap();
    assert_eq!(names(&api, "node-1"), ["a", "c"]);
    api.delete(SimTime::ZERO, &key("a"), Some(0), Propagation::Background).unwrap();
    assert_eq!(names(&api, "node-1"), ["c"]);
}
