use std::rc::Rc;

use super::*;
use crate::api::apps::{Deployment, PodTemplateSpec, ReplicaSet};
use crate::api::core::{
    Container, ContainerPort, ContainerState, ContainerStateRunning, ContainerStateTerminated, ContainerStatus,
    EventSource, Lease, NodeAddress, NodeSystemInfo, ObjectReference, PodIp, ResourceRequirements, Service,
    ServicePort,
};
use crate::api::meta::{Condition, IntOrString, LabelSelector, MicroTime, OwnerReference, Quantity};
use crate::api::{Kind, ObjKey};

const S: u64 = 1000;

fn server() -> ApiServer {
    let mut api = ApiServer::new(0);
    let mut ns = Namespace::default();
    ns.metadata.name = "default".into();
    api.create(SimTime::ZERO, Object::from(ns)).unwrap();
    api
}

fn create(api: &mut ApiServer, at_ms: u64, obj: Object) -> Object {
    (*api.create(SimTime(at_ms), obj).unwrap().object).clone()
}

fn stored(api: &ApiServer, kind: Kind, namespace: &str, name: &str) -> Rc<Object> {
    api.get(&ObjKey::new(kind, namespace, name)).unwrap().clone()
}

fn condition(type_: &str, status: &str) -> Condition {
    Condition { type_: type_.into(), status: status.into(), ..Default::default() }
}

fn t(ms: u64) -> Option<Time> {
    Some(Time::at(SimTime(ms)))
}

/// An event about `about`, first seen at `first` and last at `last`.
struct Ev<'a> {
    type_: &'a str,
    reason: &'a str,
    from: &'a str,
    message: &'a str,
    first: u64,
    last: u64,
    count: i32,
}

fn record(api: &mut ApiServer, about: &Object, ev: Ev) {
    let meta = about.meta();
    let mut e = Event::default();
    let seq = api.list(Kind::Event, None).count();
    e.metadata.name = format!("{}.{:016x}", meta.name, 0x181a_0000_0000_0000_u64 + seq as u64).into();
    e.metadata.namespace = if meta.namespace.is_empty() { "default".into() } else { meta.namespace.clone() };
    e.involved_object = ObjectReference {
        kind: Some(about.kind().name().into()),
        name: Some(meta.name.clone()),
        namespace: Some(meta.namespace.clone()),
        uid: Some(meta.uid.clone()),
        ..Default::default()
    };
    e.type_ = Some(ev.type_.into());
    e.reason = Some(ev.reason.into());
    e.message = Some(ev.message.into());
    e.source = EventSource { component: Some(ev.from.into()), host: None };
    e.first_timestamp = t(ev.first);
    e.last_timestamp = t(ev.last);
    e.count = Some(ev.count);
    create(api, ev.last, Object::from(e));
}

fn nginx() -> Container {
    Container { name: "nginx".into(), image: Some("nginx:1.27".into()), ..Default::default() }
}

fn running_status(started: u64) -> ContainerStatus {
    ContainerStatus {
        name: "nginx".into(),
        state: ContainerState { running: Some(ContainerStateRunning { started_at: t(started) }), ..Default::default() },
        ready: true,
        image: "docker.io/library/nginx:1.27".into(),
        image_id: "docker.io/library/nginx@sha256:0a399eb1".into(),
        container_id: Some("containerd://4f2c1d9e".into()),
        ..Default::default()
    }
}

/// A running pod `web` on node-2, created at 0 and started at 1s.
fn web_pod(api: &mut ApiServer, resources: Option<ResourceRequirements>) -> Object {
    let mut p = Pod::default();
    p.metadata.name = "web".into();
    p.metadata.labels.insert("run".into(), "web".into());
    p.spec.containers = vec![nginx()].into();
    p.spec.containers[0].resources = resources;
    let Object::Pod(mut p) = create(api, 0, Object::from(p)) else { unreachable!() };
    p.spec.node_name = Some("node-2".into());
    let Some(Object::Pod(bound)) = api.update(Object::Pod(p)).unwrap().map(|c| (*c.object).clone()) else {
        unreachable!()
    };
    let mut p = bound;
    p.status.phase = Some("Running".into());
    p.status.host_ip = Some("172.18.0.3".into());
    p.status.pod_ip = Some("10.244.2.7".into());
    p.status.pod_ips = vec![PodIp { ip: "10.244.2.7".into() }].into();
    p.status.start_time = t(S);
    p.status.conditions = ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
        .iter()
        .map(|c| condition(c, "True"))
        .collect();
    p.status.container_statuses = vec![running_status(3 * S)];
    api.update_status(Object::Pod(p)).unwrap();
    (*stored(api, Kind::Pod, "default", "web")).clone()
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn node_fixture(api: &mut ApiServer) -> Object {
    let mut n = crate::api::core::Node::default();
    n.metadata.name = "node-2".into();
    n.metadata.labels = labels(&[("kubernetes.io/hostname", "node-2"), ("kubernetes.io/os", "linux")]).into();
    n.metadata.annotations.insert("node.alpha.kubernetes.io/ttl".into(), "0".into());
    n.spec.pod_cidr = Some("10.244.2.0/24".into());
    n.spec.pod_cidrs = vec!["10.244.2.0/24".into()];
    n.spec.taints = vec![Taint {
        key: "node.kubernetes.io/unreachable".into(),
        value: None,
        effect: "NoSchedule".into(),
        time_added: None,
    }];
    let Object::Node(mut n) = create(api, 0, Object::from(n)) else { unreachable!() };
    let q = |v: &str| Quantity(v.into());
    n.status.capacity = [("cpu", "2"), ("memory", "4Gi"), ("pods", "110"), ("ephemeral-storage", "100Gi")]
        .iter()
        .map(|(k, v)| (k.to_string(), q(v)))
        .collect();
    n.status.allocatable = n.status.capacity.clone();
    n.status.conditions = vec![Condition {
        type_: "Ready".into(),
        status: "True".into(),
        last_heartbeat_time: t(60 * S),
        last_transition_time: t(5 * S),
        reason: Some("KubeletReady".into()),
        message: Some("kubelet is posting ready status".into()),
        ..Default::default()
    }];
    n.status.addresses = vec![
        NodeAddress { type_: "InternalIP".into(), address: "172.18.0.3".into() },
        NodeAddress { type_: "Hostname".into(), address: "node-2".into() },
    ];
    n.status.node_info = Some(NodeSystemInfo {
        machine_id: "m2".into(),
        system_uuid: "u2".into(),
        boot_id: "b2".into(),
        kernel_version: "6.8.0".into(),
        os_image: "Debian GNU/Linux 12 (bookworm)".into(),
        container_runtime_version: "containerd://1.7.24".into(),
        kubelet_version: "v1.32.0".into(),
        kube_proxy_version: "v1.32.0".into(),
        operating_system: "linux".into(),
        architecture: "amd64".into(),
    });
    api.update_status(Object::Node(n)).unwrap();
    (*stored(api, Kind::Node, "", "node-2")).clone()
}

fn lease_fixture(api: &mut ApiServer) -> Object {
    let mut ns = Namespace::default();
    ns.metadata.name = "kube-node-lease".into();
    create(api, 0, Object::from(ns));
    let mut lease = Lease::default();
    lease.metadata.name = "node-2".into();
    lease.metadata.namespace = "kube-node-lease".into();
    lease.spec.holder_identity = Some("node-2".into());
    lease.spec.lease_duration_seconds = Some(40);
    lease.spec.renew_time = Some(MicroTime::at(SimTime(60 * S)));
    create(api, 0, Object::from(lease))
}

fn app_labels() -> BTreeMap<String, String> {
    labels(&[("app", "web")])
}

fn web_template() -> PodTemplateSpec {
    let mut template = PodTemplateSpec::default();
    template.metadata.labels = app_labels().into();
    let mut c = nginx();
    c.ports = vec![ContainerPort { name: Some("http".into()), container_port: 80, ..Default::default() }];
    template.spec.containers = vec![c].into();
    template
}

fn deployment_fixture(api: &mut ApiServer) -> Object {
    let mut d = Deployment::default();
    d.metadata.name = "web".into();
    d.metadata.labels = app_labels().into();
    d.metadata.annotations.insert("deployment.kubernetes.io/revision".into(), "2".into());
    d.spec.replicas = Some(2);
    d.spec.selector = Some(LabelSelector { match_labels: app_labels(), ..Default::default() });
    d.spec.template = web_template();
    let Object::Deployment(mut d) = create(api, 0, Object::from(d)) else { unreachable!() };
    d.status.replicas = Some(2);
    d.status.updated_replicas = Some(2);
    d.status.ready_replicas = Some(2);
    d.status.available_replicas = Some(2);
    d.status.conditions = vec![
        Condition { reason: Some("MinimumReplicasAvailable".into()), ..condition("Available", "True") },
        Condition { reason: Some("NewReplicaSetAvailable".into()), ..condition("Progressing", "True") },
    ];
    api.update_status(Object::Deployment(d)).unwrap();
    (*stored(api, Kind::Deployment, "default", "web")).clone()
}

fn replica_set(api: &mut ApiServer, d: &Object, name: &str, hash: &str, image: &str, replicas: i32, at: u64) -> Object {
    let Object::Deployment(dep) = d else { unreachable!() };
    let mut rs = ReplicaSet::default();
    rs.metadata.name = name.into();
    rs.metadata.labels = app_labels().into();
    rs.metadata.labels.insert("pod-template-hash".into(), hash.into());
    rs.metadata.owner_references = vec![OwnerReference {
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        name: "web".into(),
        uid: dep.metadata.uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]
    .into();
    rs.spec.replicas = Some(replicas);
    rs.spec.selector = dep.spec.selector.clone();
    rs.spec.template = dep.spec.template.clone();
    rs.spec.template.metadata.labels.insert("pod-template-hash".into(), hash.into());
    rs.spec.template.spec.containers[0].image = Some(image.into());
    let Object::ReplicaSet(mut rs) = create(api, at, Object::from(rs)) else { unreachable!() };
    rs.status.replicas = replicas;
    rs.status.ready_replicas = Some(replicas);
    api.update_status(Object::ReplicaSet(rs)).unwrap();
    (*stored(api, Kind::ReplicaSet, "default", name)).clone()
}

fn rs_pod(api: &mut ApiServer, rs: &Object, name: &str, ip: &str, ready: bool) {
    let mut p = Pod::default();
    p.metadata.name = name.into();
    p.metadata.labels = rs.meta().labels.clone();
    p.metadata.owner_references = vec![OwnerReference {
        api_version: "apps/v1".into(),
        kind: "ReplicaSet".into(),
        name: rs.meta().name.clone(),
        uid: rs.meta().uid.clone(),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]
    .into();
    let mut c = nginx();
    c.ports = vec![ContainerPort { name: Some("http".into()), container_port: 80, ..Default::default() }];
    p.spec.containers = vec![c].into();
    let Object::Pod(mut p) = create(api, 0, Object::from(p)) else { unreachable!() };
    p.status.phase = Some(if ready { "Running" } else { "Pending" }.into());
    p.status.pod_ip = Some(ip.into());
    p.status.conditions = vec![condition("Ready", if ready { "True" } else { "False" })].into();
    api.update_status(Object::Pod(p)).unwrap();
}

fn service_fixture(api: &mut ApiServer) -> Object {
    let mut s = Service::default();
    s.metadata.name = "web".into();
    s.spec.type_ = Some("NodePort".into());
    s.spec.selector = app_labels();
    s.spec.ports = vec![ServicePort {
        port: 80,
        target_port: Some(IntOrString::String("http".into())),
        node_port: Some(30080),
        ..Default::default()
    }];
    let svc = create(api, 0, Object::from(s));
    // What the endpoint controller would write for the pods in the store.
    let Object::Service(typed) = &svc else { unreachable!() };
    let pods: Vec<Pod> = api.list(Kind::Pod, Some("default")).filter_map(|o| o.as_pod().cloned()).collect();
    let refs: Vec<&Pod> = pods.iter().collect();
    create(api, 0, Object::from(crate::controllers::endpoints::endpoints_for(typed, &refs)));
    svc
}

fn rich_pod(api: &mut ApiServer) -> Object {
    let mut p = Pod::default();
    p.metadata.name = "api".into();
    p.metadata.annotations.insert(LAST_APPLIED.into(), "{}".into());
    p.metadata.annotations.insert("note".into(), "first line\nsecond line".into());
    let mut init = Container {
        name: "migrate".into(),
        image: Some("busybox:1.36".into()),
        command: vec!["sh".into(), "-c".into()],
        args: vec!["echo migrating\nsleep 1".into()],
        ..Default::default()
    };
    init.env = vec![crate::api::core::EnvVar { name: "MODE".into(), value: Some("fast".into()), value_from: None }];
    let mut app = nginx();
    app.name = "api".into();
    app.ports = vec![
        ContainerPort { name: Some("http".into()), container_port: 8080, ..Default::default() },
        ContainerPort { container_port: 9090, host_port: Some(9090), ..Default::default() },
    ];
    app.resources = Some(ResourceRequirements {
        requests: [("cpu".to_string(), Quantity("0.25".into()))].into(),
        limits: [("cpu".to_string(), Quantity("1000m".into())), ("memory".to_string(), Quantity("1024Mi".into()))]
            .into(),
    });
    app.readiness_probe = Some(serde_json::json!({"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5}));
    app.liveness_probe = Some(serde_json::json!({"tcpSocket": {"port": "http"}}));
    app.env = vec![
        crate::api::core::EnvVar {
            name: "POD_NAME".into(),
            value: None,
            value_from: Some(serde_json::json!({"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}})),
        },
        crate::api::core::EnvVar {
            name: "CPU_LIMIT".into(),
            value: None,
            value_from: Some(serde_json::json!({"resourceFieldRef": {"resource": "limits.cpu"}})),
        },
        crate::api::core::EnvVar {
            name: "PASSWORD".into(),
            value: None,
            value_from: Some(serde_json::json!({"secretKeyRef": {"name": "db", "key": "password"}})),
        },
    ];
    app.env_from = Some(serde_json::json!([{"configMapRef": {"name": "settings"}}]));
    app.volume_mounts = Some(serde_json::json!([
        {"name": "data", "mountPath": "/var/lib/data"},
        {"name": "config", "mountPath": "/etc/app", "readOnly": true}
    ]));
    p.spec.init_containers = vec![init].into();
    p.spec.containers = vec![app].into();
    p.spec.volumes = Some(Box::new(serde_json::json!([
        {"name": "data", "emptyDir": {}},
        {"name": "config", "configMap": {"name": "settings"}}
    ])));
    p.spec.node_selector.insert("disktype".into(), "ssd".into());
    let Object::Pod(mut p) = create(api, 0, Object::from(p)) else { unreachable!() };
    p.spec.node_name = Some("node-1".into());
    let _ = api.update(Object::Pod(p.clone()));
    let Object::Pod(mut p) = (*stored(api, Kind::Pod, "default", "api")).clone() else { unreachable!() };
    p.status.phase = Some("Running".into());
    p.status.host_ip = Some("172.18.0.2".into());
    p.status.start_time = t(S);
    p.status.init_container_statuses = vec![ContainerStatus {
        name: "migrate".into(),
        state: ContainerState {
            terminated: Some(Box::new(ContainerStateTerminated {
                exit_code: 0,
                reason: Some("Completed".into()),
                started_at: t(2 * S),
                finished_at: t(3 * S),
                ..Default::default()
            })),
            ..Default::default()
        },
        ready: true,
        image_id: "docker.io/library/busybox@sha256:9ae97d36".into(),
        container_id: Some("containerd://aa11".into()),
        ..Default::default()
    }];
    let mut status = running_status(40 * S);
    status.name = "api".into();
    status.restart_count = 1;
    status.ready = false;
    status.last_state.terminated = Some(Box::new(ContainerStateTerminated {
        exit_code: 137,
        reason: Some("OOMKilled".into()),
        started_at: t(4 * S),
        finished_at: t(39 * S),
        ..Default::default()
    }));
    p.status.container_statuses = vec![status];
    api.update_status(Object::Pod(p)).unwrap();
    (*stored(api, Kind::Pod, "default", "api")).clone()
}

/// Replaces every stored object's generated uid with `<Kind name>`, so that the
/// expected text does not depend on the apiserver's uid stream.
fn mask_uids(api: &ApiServer, text: String) -> String {
    api.all().fold(text, |text, o| text.replace(&*o.meta().uid, &format!("<{} {}>", o.kind().name(), o.meta().name)))
}

/// The scenarios the exact-output tests below check, by name.
fn scenario(name: &str) -> String {
    let mut api = server();
    let now = SimTime(90 * S);
    match name {
        "pod" => {
            let pod = web_pod(&mut api, None);
            let events = [
                ("Scheduled", "default-scheduler", "Successfully assigned default/web to node-2", 0),
                ("Pulled", "kubelet", "Container image \"nginx:1.27\" already present on machine", 2),
                ("Created", "kubelet", "Created container: nginx", 2),
                ("Started", "kubelet", "Started container nginx", 3),
            ];
            for (reason, from, message, at) in events {
                let at = at * S;
                let ev = Ev { type_: "Normal", reason, from, message, first: at, last: at, count: 1 };
                record(&mut api, &pod, ev);
            }
            describe(&pod, &api, SimTime(65 * S))
        }
        "terminating" => {
            let pod = rich_pod(&mut api);
            let message = "Back-off restarting failed container api in pod api_default(x)";
            let ev = Ev {
                type_: "Warning",
                reason: "BackOff",
                from: "kubelet",
                message,
                first: 10 * S,
                last: 50 * S,
                count: 4,
            };
            record(&mut api, &pod, ev);
            api.delete(SimTime(60 * S), &pod.key(), None, crate::apiserver::Propagation::Background).unwrap();
            describe(&stored(&api, Kind::Pod, "default", "api"), &api, SimTime(70 * S))
        }
        "node" => {
            let node = node_fixture(&mut api);
            lease_fixture(&mut api);
            web_pod(
                &mut api,
                Some(ResourceRequirements {
                    requests: [
                        ("cpu".to_string(), Quantity("100m".into())),
                        ("memory".to_string(), Quantity("128Mi".into())),
                    ]
                    .into(),
                    limits: [("memory".to_string(), Quantity("256Mi".into()))].into(),
                }),
            );
            let message = "Node node-2 status is now: NodeReady";
            let ev = Ev {
                type_: "Normal",
                reason: "NodeReady",
                from: "kubelet",
                message,
                first: 5 * S,
                last: 5 * S,
                count: 1,
            };
            record(&mut api, &node, ev);
            describe(&node, &api, SimTime(65 * S))
        }
        "lease" => {
            node_fixture(&mut api);
            let lease = lease_fixture(&mut api);
            mask_uids(&api, describe(&lease, &api, now))
        }
        "event" => {
            let pod = web_pod(&mut api, None);
            let ev = Ev {
                type_: "Normal",
                reason: "Started",
                from: "kubelet",
                message: "Started container nginx",
                first: 3 * S,
                last: 3 * S,
                count: 1,
            };
            record(&mut api, &pod, ev);
            let event = api.list(Kind::Event, None).next().unwrap().clone();
            mask_uids(&api, describe(&event, &api, now))
        }
        "deployment" | "replicaset" | "service" => {
            let d = deployment_fixture(&mut api);
            replica_set(&mut api, &d, "web-5d7b9c8f6", "5d7b9c8f6", "nginx:1.26", 0, 0);
            let new = replica_set(&mut api, &d, "web-7c5ddbdf54", "7c5ddbdf54", "nginx:1.27", 2, 30 * S);
            let pods = [
                ("web-7c5ddbdf54-x2b9k", "10.244.1.9", true),
                ("web-7c5ddbdf54-q8wzd", "10.244.2.4", true),
                ("web-7c5ddbdf54-zzzzz", "10.244.2.5", false),
            ];
            for (pod, ip, ready) in pods {
                rs_pod(&mut api, &new, pod, ip, ready);
            }
            let message = "Scaled up replica set web-7c5ddbdf54 from 0 to 2";
            let ev = Ev {
                type_: "Normal",
                reason: "ScalingReplicaSet",
                from: "deployment-controller",
                message,
                first: 30 * S,
                last: 30 * S,
                count: 1,
            };
            record(&mut api, &d, ev);
            let svc = service_fixture(&mut api);
            let obj = match name {
                "deployment" => d,
                "replicaset" => new,
                _ => svc,
            };
            describe(&obj, &api, now)
        }
        "namespace" => describe(&stored(&api, Kind::Namespace, "", "default"), &api, now),
        _ => unreachable!("no scenario {name}"),
    }
}

/// A running pod on a node, with the usual start-up events.
#[test]
fn describe_pod() {
    let expected = concat!(
        "Name:             web\n",
        "Namespace:        default\n",
        "Priority:         0\n",
        "Service Account:  default\n",
        "Node:             node-2/172.18.0.3\n",
        "Start Time:       Wed, 01 Jan 2025 00:00:01 +0000\n",
        "Labels:           run=web\n",
        "Annotations:      <none>\n",
        "Status:           Running\n",
        "IP:               10.244.2.7\n",
        "IPs:\n",
        "  IP:  10.244.2.7\n",
        "Containers:\n",
        "  nginx:\n",
        "    Container ID:   containerd://4f2c1d9e\n",
        "    Image:          nginx:1.27\n",
        "    Image ID:       docker.io/library/nginx@sha256:0a399eb1\n",
        "    Port:           <none>\n",
        "    Host Port:      <none>\n",
        "    State:          Running\n",
        "      Started:      Wed, 01 Jan 2025 00:00:03 +0000\n",
        "    Ready:          True\n",
        "    Restart Count:  0\n",
        "    Environment:    <none>\n",
        "    Mounts:         <none>\n",
        "Conditions:\n",
        "  Type                        Status\n",
        "  PodReadyToStartContainers   True \n",
        "  Initialized                 True \n",
        "  Ready                       True \n",
        "  ContainersReady             True \n",
        "  PodScheduled                True \n",
        "Volumes:                      <none>\n",
        "QoS Class:                    BestEffort\n",
        "Node-Selectors:               <none>\n",
        "Tolerations:                  node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n",
        "                              node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n",
        "Events:\n",
        "  Type    Reason     Age   From               Message\n",
        "  ----    ------     ----  ----               -------\n",
        "  Normal  Scheduled  65s   default-scheduler  Successfully assigned default/web to node-2\n",
        "  Normal  Pulled     63s   kubelet            Container image \"nginx:1.27\" already present on machine\n",
        "  Normal  Created    63s   kubelet            Created container: nginx\n",
        "  Normal  Started    62s   kubelet            Started container nginx\n",
    );
    assert_eq!(scenario("pod"), expected);
}

/// A deleted pod inside its grace period: init container, ports, resources, probes, env, mounts, volumes, a repeated event.
#[test]
fn describe_terminating() {
    let expected = concat!(
        "Name:                      api\n",
        "Namespace:                 default\n",
        "Priority:                  0\n",
        "Service Account:           default\n",
        "Node:                      node-1/172.18.0.2\n",
        "Start Time:                Wed, 01 Jan 2025 00:00:01 +0000\n",
        "Labels:                    <none>\n",
        "Annotations:               note:\n",
        "                             first line\n",
        "                             second line\n",
        "Status:                    Terminating (lasts <invalid>)\n",
        "Termination Grace Period:  30s\n",
        "IP:                        \n",
        "IPs:                       <none>\n",
        "Init Containers:\n",
        "  migrate:\n",
        "    Container ID:  containerd://aa11\n",
        "    Image:         busybox:1.36\n",
        "    Image ID:      docker.io/library/busybox@sha256:9ae97d36\n",
        "    Port:          <none>\n",
        "    Host Port:     <none>\n",
        "    Command:\n",
        "      sh\n",
        "      -c\n",
        "    Args:\n",
        "      echo migrating\n",
        "      sleep 1\n",
        "    State:          Terminated\n",
        "      Reason:       Completed\n",
        "      Exit Code:    0\n",
        "      Started:      Wed, 01 Jan 2025 00:00:02 +0000\n",
        "      Finished:     Wed, 01 Jan 2025 00:00:03 +0000\n",
        "    Ready:          True\n",
        "    Restart Count:  0\n",
        "    Environment:\n",
        "      MODE:  fast\n",
        "    Mounts:  <none>\n",
        "Containers:\n",
        "  api:\n",
        "    Container ID:   containerd://4f2c1d9e\n",
        "    Image:          nginx:1.27\n",
        "    Image ID:       docker.io/library/nginx@sha256:0a399eb1\n",
        "    Ports:          8080/TCP (http), 9090/TCP\n",
        "    Host Ports:     0/TCP (http), 9090/TCP\n",
        "    State:          Running\n",
        "      Started:      Wed, 01 Jan 2025 00:00:40 +0000\n",
        "    Last State:     Terminated\n",
        "      Reason:       OOMKilled\n",
        "      Exit Code:    137\n",
        "      Started:      Wed, 01 Jan 2025 00:00:04 +0000\n",
        "      Finished:     Wed, 01 Jan 2025 00:00:39 +0000\n",
        "    Ready:          False\n",
        "    Restart Count:  1\n",
        "    Limits:\n",
        "      cpu:     1\n",
        "      memory:  1Gi\n",
        "    Requests:\n",
        "      cpu:      250m\n",
        "    Liveness:   tcp-socket :http delay=0s timeout=1s period=10s #success=1 #failure=3\n",
        "    Readiness:  http-get http://:8080/healthz delay=0s timeout=1s period=5s #success=1 #failure=3\n",
        "    Environment Variables from:\n",
        "      settings  ConfigMap  Optional: false\n",
        "    Environment:\n",
        "      POD_NAME:   api (v1:metadata.name)\n",
        "      CPU_LIMIT:  1 (limits.cpu)\n",
        "      PASSWORD:   <set to the key 'password' in secret 'db'>  Optional: false\n",
        "    Mounts:\n",
        "      /etc/app from config (ro)\n",
        "      /var/lib/data from data (rw)\n",
        "Volumes:\n",
        "  data:\n",
        "    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)\n",
        "    Medium:     \n",
        "    SizeLimit:  <unset>\n",
        "  config:\n",
        "    Type:        ConfigMap (a volume populated by a ConfigMap)\n",
        "    Name:        settings\n",
        "    Optional:    false\n",
        "QoS Class:       Burstable\n",
        "Node-Selectors:  disktype=ssd\n",
        "Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n",
        "                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n",
        "Events:\n",
        "  Type     Reason   Age                From     Message\n",
        "  ----     ------   ----               ----     -------\n",
        "  Warning  BackOff  20s (x4 over 60s)  kubelet  Back-off restarting failed container api in pod api_default(x)\n",
    );
    assert_eq!(scenario("terminating"), expected);
}

/// A node with its Lease, one pod's requests and limits, and an event.
#[test]
fn describe_node() {
    let expected = concat!(
        "Name:               node-2\n",
        "Roles:              <none>\n",
        "Labels:             kubernetes.io/hostname=node-2\n",
        "                    kubernetes.io/os=linux\n",
        "Annotations:        node.alpha.kubernetes.io/ttl: 0\n",
        "CreationTimestamp:  Wed, 01 Jan 2025 00:00:00 +0000\n",
        "Taints:             node.kubernetes.io/unreachable:NoSchedule\n",
        "Unschedulable:      false\n",
        "Lease:\n",
        "  HolderIdentity:  node-2\n",
        "  AcquireTime:     <unset>\n",
        "  RenewTime:       Wed, 01 Jan 2025 00:01:00 +0000\n",
        "Conditions:\n",
        "  Type    Status  LastHeartbeatTime                 LastTransitionTime                Reason         Message\n",
        "  ----    ------  -----------------                 ------------------                ------         -------\n",
        "  Ready   True    Wed, 01 Jan 2025 00:01:00 +0000   Wed, 01 Jan 2025 00:00:05 +0000   KubeletReady   kubelet is posting ready status\n",
        "Addresses:\n",
        "  InternalIP:  172.18.0.3\n",
        "  Hostname:    node-2\n",
        "Capacity:\n",
        "  cpu:                2\n",
        "  ephemeral-storage:  100Gi\n",
        "  memory:             4Gi\n",
        "  pods:               110\n",
        "Allocatable:\n",
        "  cpu:                2\n",
        "  ephemeral-storage:  100Gi\n",
        "  memory:             4Gi\n",
        "  pods:               110\n",
        "System Info:\n",
        "  Machine ID:                 m2\n",
        "  System UUID:                u2\n",
        "  Boot ID:                    b2\n",
        "  Kernel Version:             6.8.0\n",
        "  OS Image:                   Debian GNU/Linux 12 (bookworm)\n",
        "  Operating System:           linux\n",
        "  Architecture:               amd64\n",
        "  Container Runtime Version:  containerd://1.7.24\n",
        "  Kubelet Version:            v1.32.0\n",
        "  Kube-Proxy Version:         v1.32.0\n",
        "PodCIDR:                      10.244.2.0/24\n",
        "PodCIDRs:                     10.244.2.0/24\n",
        "Non-terminated Pods:          (1 in total)\n",
        "  Namespace                   Name    CPU Requests  CPU Limits  Memory Requests  Memory Limits  Age\n",
        "  ---------                   ----    ------------  ----------  ---------------  -------------  ---\n",
        "  default                     web     100m (5%)     0 (0%)      128Mi (3%)       256Mi (6%)     65s\n",
        "Allocated resources:\n",
        "  (Total limits may be over 100 percent, i.e., overcommitted.)\n",
        "  Resource           Requests    Limits\n",
        "  --------           --------    ------\n",
        "  cpu                100m (5%)   0 (0%)\n",
        "  memory             128Mi (3%)  256Mi (6%)\n",
        "  ephemeral-storage  0 (0%)      0 (0%)\n",
        "Events:\n",
        "  Type    Reason     Age   From     Message\n",
        "  ----    ------     ----  ----     -------\n",
        "  Normal  NodeReady  60s   kubelet  Node node-2 status is now: NodeReady\n",
    );
    assert_eq!(scenario("node"), expected);
}

/// Leases have no describer of their own: the generic one prints their JSON.
#[test]
fn describe_lease() {
    let expected = concat!(
        "Name:         node-2\n",
        "Namespace:    kube-node-lease\n",
        "Labels:       <none>\n",
        "Annotations:  <none>\n",
        "API Version:  coordination.k8s.io/v1\n",
        "Kind:         Lease\n",
        "Metadata:\n",
        "  Creation Timestamp:  2025-01-01T00:00:00Z\n",
        "  Resource Version:    5\n",
        "  UID:                 <Lease node-2>\n",
        "Spec:\n",
        "  Holder Identity:         node-2\n",
        "  Lease Duration Seconds:  40\n",
        "  Renew Time:              2025-01-01T00:01:00.000000Z\n",
        "Events:                    <none>\n",
    );
    assert_eq!(scenario("lease"), expected);
}

/// Events use the generic describer too.
#[test]
fn describe_event() {
    let expected = concat!(
        "Name:             web.181a000000000000\n",
        "Namespace:        default\n",
        "Labels:           <none>\n",
        "Annotations:      <none>\n",
        "API Version:      v1\n",
        "Count:            1\n",
        "First Timestamp:  2025-01-01T00:00:03Z\n",
        "Involved Object:\n",
        "  Kind:          Pod\n",
        "  Name:          web\n",
        "  Namespace:     default\n",
        "  UID:           <Pod web>\n",
        "Kind:            Event\n",
        "Last Timestamp:  2025-01-01T00:00:03Z\n",
        "Message:         Started container nginx\n",
        "Metadata:\n",
        "  Creation Timestamp:  2025-01-01T00:00:03Z\n",
        "  Resource Version:    5\n",
        "  UID:                 <Event web.181a000000000000>\n",
        "Reason:                Started\n",
        "Source:\n",
        "  Component:  kubelet\n",
        "Type:         Normal\n",
        "Events:       <none>\n",
    );
    assert_eq!(scenario("event"), expected);
}

/// A Deployment with an old and a new ReplicaSet.
#[test]
fn describe_deployment() {
    let expected = concat!(
        "Name:                   web\n",
        "Namespace:              default\n",
        "CreationTimestamp:      Wed, 01 Jan 2025 00:00:00 +0000\n",
        "Labels:                 app=web\n",
        "Annotations:            deployment.kubernetes.io/revision: 2\n",
        "Selector:               app=web\n",
        "Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable\n",
        "StrategyType:           RollingUpdate\n",
        "MinReadySeconds:        0\n",
        "RollingUpdateStrategy:  25% max unavailable, 25% max surge\n",
        "Pod Template:\n",
        "  Labels:  app=web\n",
        "  Containers:\n",
        "   nginx:\n",
        "    Image:         nginx:1.27\n",
        "    Port:          80/TCP (http)\n",
        "    Host Port:     0/TCP (http)\n",
        "    Environment:   <none>\n",
        "    Mounts:        <none>\n",
        "  Volumes:         <none>\n",
        "  Node-Selectors:  <none>\n",
        "  Tolerations:     <none>\n",
        "Conditions:\n",
        "  Type           Status  Reason\n",
        "  ----           ------  ------\n",
        "  Available      True    MinimumReplicasAvailable\n",
        "  Progressing    True    NewReplicaSetAvailable\n",
        "OldReplicaSets:  web-5d7b9c8f6 (0/0 replicas created)\n",
        "NewReplicaSet:   web-7c5ddbdf54 (2/2 replicas created)\n",
        "Events:\n",
        "  Type    Reason             Age   From                   Message\n",
        "  ----    ------             ----  ----                   -------\n",
        "  Normal  ScalingReplicaSet  60s   deployment-controller  Scaled up replica set web-7c5ddbdf54 from 0 to 2\n",
    );
    assert_eq!(scenario("deployment"), expected);
}

/// A ReplicaSet owned by a Deployment, counting its pods by phase.
#[test]
fn describe_replicaset() {
    let expected = concat!(
        "Name:           web-7c5ddbdf54\n",
        "Namespace:      default\n",
        "Selector:       app=web\n",
        "Labels:         app=web\n",
        "                pod-template-hash=7c5ddbdf54\n",
        "Annotations:    <none>\n",
        "Controlled By:  Deployment/web\n",
        "Replicas:       2 current / 2 desired\n",
        "Pods Status:    2 Running / 1 Waiting / 0 Succeeded / 0 Failed\n",
        "Pod Template:\n",
        "  Labels:  app=web\n",
        "           pod-template-hash=7c5ddbdf54\n",
        "  Containers:\n",
        "   nginx:\n",
        "    Image:         nginx:1.27\n",
        "    Port:          80/TCP (http)\n",
        "    Host Port:     0/TCP (http)\n",
        "    Environment:   <none>\n",
        "    Mounts:        <none>\n",
        "  Volumes:         <none>\n",
        "  Node-Selectors:  <none>\n",
        "  Tolerations:     <none>\n",
        "Events:            <none>\n",
    );
    assert_eq!(scenario("replicaset"), expected);
}

/// A NodePort Service with a named target port: only ready pods are endpoints.
#[test]
fn describe_service() {
    let expected = concat!(
        "Name:                     web\n",
        "Namespace:                default\n",
        "Labels:                   <none>\n",
        "Annotations:              <none>\n",
        "Selector:                 app=web\n",
        "Type:                     NodePort\n",
        "IP Family Policy:         SingleStack\n",
        "IP Families:              IPv4\n",
        "IP:                       10.107.135.30\n",
        "IPs:                      10.107.135.30\n",
        "Port:                     <unset>  80/TCP\n",
        "TargetPort:               http/TCP\n",
        "NodePort:                 <unset>  30080/TCP\n",
        "Endpoints:                10.244.1.9:80,10.244.2.4:80\n",
        "Session Affinity:         None\n",
        "External Traffic Policy:  Cluster\n",
        "Internal Traffic Policy:  Cluster\n",
        "Events:                   <none>\n",
    );
    assert_eq!(scenario("service"), expected);
}

/// Namespaces list quotas and limit ranges, of which kubesim has none.
#[test]
fn describe_namespace() {
    let expected = concat!(
        "Name:         default\n",
        "Labels:       kubernetes.io/metadata.name=default\n",
        "Annotations:  <none>\n",
        "Status:       Active\n",
        "\n",
        "No resource quota.\n",
        "\n",
        "No LimitRange resource.\n",
    );
    assert_eq!(scenario("namespace"), expected);
}

#[test]
fn taints_and_tolerations_print_like_kubectl() {
    let taint = |key: &str, value: Option<&str>, effect: &str| Taint {
        key: key.into(),
        value: value.map(Into::into),
        effect: effect.into(),
        time_added: None,
    };
    assert_eq!(taint_text(&taint("gpu", Some("true"), "NoSchedule")), "gpu=true:NoSchedule");
    assert_eq!(taint_text(&taint("gpu", None, "NoExecute")), "gpu:NoExecute");
    assert_eq!(taint_text(&taint("gpu", Some("a"), "")), "gpu=a:");
    let everything = Toleration { operator: Some("Exists".into()), ..Default::default() };
    assert_eq!(toleration_text(&everything), "op=Exists");
    let equal = Toleration {
        key: Some("dedicated".into()),
        operator: Some("Equal".into()),
        value: Some("db".into()),
        effect: Some("NoSchedule".into()),
        toleration_seconds: None,
    };
    assert_eq!(toleration_text(&equal), "dedicated=db:NoSchedule");
}

#[test]
fn long_annotations_are_shortened_and_last_applied_is_hidden() {
    let api = server();
    let mut w = Writer::new(&api, SimTime::ZERO);
    let long = "x".repeat(150);
    let annotations = labels(&[(LAST_APPLIED, "{}"), ("long", &long), ("short", "yes")]);
    annotations_multiline(&mut w, "Annotations", &annotations);
    assert_eq!(
        w.finish(),
        format!("Annotations:  long:\n                {}...\n              short: yes\n", "x".repeat(138))
    );
}

#[test]
fn node_without_a_lease_says_so() {
    let mut api = server();
    let node = node_fixture(&mut api);
    let out = describe(&node, &api, SimTime(65 * S));
    assert!(
        out.contains("\nLease:              Failed to get lease: leases.coordination.k8s.io \"node-2\" not found\n")
    );
    assert!(out.contains("Non-terminated Pods:          (0 in total)\n"));
    assert!(out.ends_with("  ephemeral-storage  0 (0%)    0 (0%)\nEvents:              <none>\n"));
}

#[test]
fn service_endpoints_show_three_then_count_the_rest() {
    let mut api = server();
    let d = deployment_fixture(&mut api);
    let rs = replica_set(&mut api, &d, "web-1", "1", "nginx:1.27", 5, 0);
    for i in 1..=5 {
        rs_pod(&mut api, &rs, &format!("web-1-{i}"), &format!("10.244.0.{i}"), true);
    }
    let svc = service_fixture(&mut api);
    let out = describe(&svc, &api, SimTime(90 * S));
    assert!(out.contains("\nEndpoints:                10.244.0.1:80,10.244.0.2:80,10.244.0.3:80 + 2 more...\n"));
}

#[test]
fn unscheduled_pod_has_no_node_and_no_ips() {
    let mut api = server();
    let mut p = Pod::default();
    p.metadata.name = "pending".into();
    p.spec.containers = vec![nginx()].into();
    let pod = create(&mut api, 0, Object::from(p));
    let out = describe(&pod, &api, SimTime(5 * S));
    assert!(out.contains("\nNode:             <none>\n"));
    assert!(out.contains("\nStatus:           Pending\nIP:               \nIPs:              <none>\n"));
    assert!(out.contains("\nContainers:\n  nginx:\n    Image:        nginx:1.27\n"));
}
