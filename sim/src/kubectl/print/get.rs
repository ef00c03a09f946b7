//! The tables of `kubectl get`: one row per object, the columns of the server-side table
//! handlers in k/k `pkg/printers/internalversion/printers.go`, laid out by the cli-runtime
//! table printer (uppercase headers, `NAMESPACE` first with `-A`, `LABELS` last with
//! `--show-labels`).

use serde_json::Value;

use crate::api::apps::{Deployment, ReplicaSet};
use crate::api::core::{Event, Lease, Namespace, Node, Pod, Service};
use crate::api::meta::{ObjectMeta, find_condition};
use crate::api::{Kind, Object, Str, or_empty};
use crate::apiserver::ApiServer;
use crate::engine::SimTime;

use super::age::age;
use super::format::{container_cells, first_three, format_label_selector, format_labels, or_none, selector_string};
use super::pod_status::{pod_status, ready_count, restarts};
use super::tabwriter::kubectl_table;

/// The flags of `kubectl get` that change the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableOptions {
    /// `-o wide`: the extra columns.
    pub wide: bool,
    /// `-A`: a NAMESPACE column first (namespaced kinds only).
    pub all_namespaces: bool,
    /// `--show-labels`: a LABELS column last.
    pub show_labels: bool,
    /// `--no-headers`: no header row.
    pub no_headers: bool,
    /// Several kinds in one `get`: names print as `kind/name`.
    pub with_kind: bool,
    /// `-L key,...`: a column per label key (headed by the key's last `/` segment,
    /// uppercased), before LABELS.
    pub label_columns: Vec<String>,
}

/// The full table for `objects` (all of `kind`, in the order given): header row unless
/// `no_headers`, one row per object, each line ending in a newline.
pub fn table(kind: Kind, objects: &[&Object], opts: &TableOptions, _api: &ApiServer, now: SimTime) -> String {
    let mut rows = Vec::with_capacity(objects.len() + 1);
    if !opts.no_headers {
        let mut header = columns(kind, opts.wide);
        header.extend(opts.label_columns.iter().map(|l| l.rsplit('/').next().unwrap_or(l).to_uppercase()));
        rows.push(decorate(kind, opts, header, "NAMESPACE", "LABELS"));
    }
    for obj in objects {
        let meta = obj.meta();
        let mut cells = cells(obj, opts.wide, now);
        if opts.with_kind
            && let Some(name) = cells.first_mut()
        {
            *name = format!("{}/{name}", kind.kubectl_name());
        }
        cells.extend(opts.label_columns.iter().map(|l| meta.labels.get(l).cloned().unwrap_or_default()));
        rows.push(decorate(kind, opts, cells, &meta.namespace, &format_labels(&meta.labels)));
    }
    kubectl_table(&rows)
}

/// Adds the NAMESPACE and LABELS columns the options ask for.
fn decorate(kind: Kind, opts: &TableOptions, mut row: Vec<String>, namespace: &str, labels: &str) -> Vec<String> {
    if opts.all_namespaces && kind.namespaced() {
        row.insert(0, namespace.to_string());
    }
    if opts.show_labels {
        row.push(labels.to_string());
    }
    row
}

/// A column of the server-side table: its name as the apiserver sends it (kubectl
/// prints it uppercased), its OpenAPI type, and its priority (1: only with `-o wide`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// `Name`, `Nominated Node`.
    pub name: &'static str,
    /// `string` or `integer`.
    pub type_: &'static str,
    /// 0 always shown, 1 with `-o wide`.
    pub priority: u8,
}

const fn col(name: &'static str, type_: &'static str, priority: u8) -> Column {
    Column { name, type_, priority }
}

/// Every column of `kind`'s table, in order (`pkg/printers/internalversion/printers.go`).
pub fn column_definitions(kind: Kind) -> &'static [Column] {
    const AGE: Column = col("Age", "string", 0);
    const NAME: Column = col("Name", "string", 0);
    match kind {
        Kind::Pod => {
            const COLUMNS: &[Column] = &[
                NAME,
                col("Ready", "string", 0),
                col("Status", "string", 0),
                col("Restarts", "string", 0),
                AGE,
                col("IP", "string", 1),
                col("Node", "string", 1),
                col("Nominated Node", "string", 1),
                col("Readiness Gates", "string", 1),
            ];
            COLUMNS
        }
        Kind::Node => {
            const COLUMNS: &[Column] = &[
                NAME,
                col("Status", "string", 0),
                col("Roles", "string", 0),
                AGE,
                col("Version", "string", 0),
                col("Internal-IP", "string", 1),
                col("External-IP", "string", 1),
                col("OS-Image", "string", 1),
                col("Kernel-Version", "string", 1),
                col("Container-Runtime", "string", 1),
            ];
            COLUMNS
        }
        Kind::Service => {
            const COLUMNS: &[Column] = &[
                NAME,
                col("Type", "string", 0),
                col("Cluster-IP", "string", 0),
                col("External-IP", "string", 0),
                col("Port(s)", "string", 0),
                AGE,
                col("Selector", "string", 1),
            ];
            COLUMNS
        }
        Kind::Deployment => {
            const COLUMNS: &[Column] = &[
                NAME,
                col("Ready", "string", 0),
                col("Up-to-date", "integer", 0),
                col("Available", "integer", 0),
                AGE,
                col("Containers", "string", 1),
                col("Images", "string", 1),
                col("Selector", "string", 1),
            ];
            COLUMNS
        }
        Kind::ReplicaSet => {
            const COLUMNS: &[Column] = &[
                NAME,
                col("Desired", "integer", 0),
                col("Current", "integer", 0),
                col("Ready", "integer", 0),
                AGE,
                col("Containers", "string", 1),
                col("Images", "string", 1),
                col("Selector", "string", 1),
            ];
            COLUMNS
        }
        Kind::Namespace => {
            const COLUMNS: &[Column] = &[NAME, col("Status", "string", 0), AGE];
            COLUMNS
        }
        Kind::Lease => {
            const COLUMNS: &[Column] = &[NAME, col("Holder", "string", 0), AGE];
            COLUMNS
        }
        Kind::Endpoints => {
            const COLUMNS: &[Column] = &[NAME, col("Endpoints", "string", 0), AGE];
            COLUMNS
        }
        Kind::EndpointSlice => {
            const COLUMNS: &[Column] =
                &[NAME, col("AddressType", "string", 0), col("Ports", "string", 0), col("Endpoints", "string", 0), AGE];
            COLUMNS
        }
        Kind::Event => {
            const COLUMNS: &[Column] = &[
                col("Last Seen", "string", 0),
                col("Type", "string", 0),
                col("Reason", "string", 0),
                col("Object", "string", 0),
                col("Subobject", "string", 1),
                col("Source", "string", 1),
                col("Message", "string", 0),
                col("First Seen", "string", 1),
                col("Count", "integer", 1),
                col("Name", "string", 1),
            ];
            COLUMNS
        }
    }
}

/// The column headers of `kind`, as kubectl prints them.
fn columns(kind: Kind, wide: bool) -> Vec<String> {
    column_definitions(kind).iter().filter(|c| wide || c.priority == 0).map(|c| c.name.to_uppercase()).collect()
}

/// The cells of one object's row (without NAMESPACE and LABELS); with `wide`, one per
/// [`column_definitions`] entry.
pub fn cells(obj: &Object, wide: bool, now: SimTime) -> Vec<String> {
    match obj {
        Object::Pod(p) => pod_cells(p, wide, now),
        Object::Node(n) => node_cells(n, wide, now),
        Object::Service(s) => service_cells(s, wide, now),
        Object::Deployment(d) => deployment_cells(d, wide, now),
        Object::ReplicaSet(rs) => replica_set_cells(rs, wide, now),
        Object::Namespace(ns) => namespace_cells(ns, now),
        Object::Event(e) => event_cells(e, wide, now),
        Object::Lease(l) => lease_cells(l, now),
        Object::Endpoints(ep) => endpoints_cells(ep, now),
        Object::EndpointSlice(slice) => endpoint_slice_cells(slice, now),
    }
}

fn endpoints_cells(ep: &crate::api::discovery::Endpoints, now: SimTime) -> Vec<String> {
    let mut items = Vec::new();
    for subset in &ep.subsets {
        for port in &subset.ports {
            items.extend(subset.addresses.iter().map(|a| format!("{}:{}", a.ip, port.port)));
        }
        if subset.ports.is_empty() {
            items.extend(subset.addresses.iter().map(|a| a.ip.to_string()));
        }
    }
    vec![ep.metadata.name.to_string(), first_three(&items, "<none>"), created_age(&ep.metadata, now)]
}

fn endpoint_slice_cells(slice: &crate::api::discovery::EndpointSlice, now: SimTime) -> Vec<String> {
    let ports: Vec<String> = slice.ports.iter().map(|p| p.port.to_string()).collect();
    let addresses: Vec<String> = slice.endpoints.iter().flat_map(|e| &e.addresses).map(|a| a.to_string()).collect();
    vec![
        slice.metadata.name.to_string(),
        slice.address_type.clone(),
        if ports.is_empty() { "<unset>".into() } else { ports.join(",") },
        first_three(&addresses, "<unset>"),
        created_age(&slice.metadata, now),
    ]
}

/// The AGE cell: time since creation.
fn created_age(meta: &ObjectMeta, now: SimTime) -> String {
    age(meta.creation_timestamp.map(|t| t.moment()), now)
}

fn pod_cells(pod: &Pod, wide: bool, now: SimTime) -> Vec<String> {
    let (ready, total) = ready_count(pod);
    let mut cells = vec![
        pod.metadata.name.to_string(),
        format!("{ready}/{total}"),
        pod_status(pod),
        restarts(pod, now),
        created_age(&pod.metadata, now),
    ];
    if wide {
        let ip = pod
            .status
            .pod_ips
            .first()
            .map(|ip| ip.ip.to_string())
            .or_else(|| pod.status.pod_ip.as_ref().map(|ip| ip.to_string()))
            .unwrap_or_default();
        cells.extend([
            or_none(ip),
            or_none(or_empty(&pod.spec.node_name).to_string()),
            or_none(or_empty(&pod.status.nominated_node_name).to_string()),
            readiness_gates(pod),
        ]);
    }
    cells
}

/// READINESS GATES: `true/total` over `spec.readinessGates`, or `<none>`.
fn readiness_gates(pod: &Pod) -> String {
    let gates: Vec<&str> = pod
        .spec
        .readiness_gates
        .as_deref()
        .and_then(Value::as_array)
        .map(|gates| gates.iter().map(|g| g["conditionType"].as_str().unwrap_or("")).collect())
        .unwrap_or_default();
    if gates.is_empty() {
        return "<none>".into();
    }
    let passing = gates
        .iter()
        .filter(|gate| pod.status.conditions.iter().find(|c| c.type_ == **gate).is_some_and(|c| c.status == "True"))
        .count();
    format!("{passing}/{}", gates.len())
}

/// The node's roles from `node-role.kubernetes.io/<role>` labels and the legacy
/// `kubernetes.io/role` label, sorted and deduplicated (`findNodeRoles`).
pub fn node_roles(node: &Node) -> Vec<String> {
    let mut roles: Vec<String> = node
        .metadata
        .labels
        .iter()
        .filter_map(|(k, v)| match k.strip_prefix("node-role.kubernetes.io/") {
            Some(role) if !role.is_empty() => Some(role.to_string()),
            Some(_) => None,
            None if k == "kubernetes.io/role" && !v.is_empty() => Some(v.clone()),
            None => None,
        })
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// STATUS: `Ready`/`NotReady` from the Ready condition (`Unknown` without one), plus
/// `SchedulingDisabled` when cordoned.
pub(crate) fn node_status(node: &Node) -> String {
    let mut status: Vec<&str> = vec![match find_condition(&node.status.conditions, "Ready") {
        Some(c) if c.status == "True" => "Ready",
        Some(_) => "NotReady",
        None => "Unknown",
    }];
    if node.spec.unschedulable == Some(true) {
        status.push("SchedulingDisabled");
    }
    status.join(",")
}

/// The first address of `type_`, or `<none>`.
fn node_address(node: &Node, type_: &str) -> String {
    node.status.addresses.iter().find(|a| a.type_ == type_).map_or_else(|| "<none>".into(), |a| a.address.clone())
}

fn node_cells(node: &Node, wide: bool, now: SimTime) -> Vec<String> {
    let info = node.status.node_info.clone().unwrap_or_default();
    let mut cells = vec![
        node.metadata.name.to_string(),
        node_status(node),
        or_none(node_roles(node).join(",")),
        created_age(&node.metadata, now),
        info.kubelet_version,
    ];
    if wide {
        let unknown = |s: String| if s.is_empty() { "<unknown>".into() } else { s };
        cells.extend([
            node_address(node, "InternalIP"),
            node_address(node, "ExternalIP"),
            unknown(info.os_image),
            unknown(info.kernel_version),
            unknown(info.container_runtime_version),
        ]);
    }
    cells
}

/// EXTERNAL-IP by service type (`getServiceExternalIP`).
fn service_external_ip(svc: &Service, wide: bool) -> String {
    let external = svc.spec.external_ips.join(",");
    match svc.spec.type_.as_deref().unwrap_or("") {
        "ClusterIP" | "NodePort" => or_none(external),
        "LoadBalancer" => {
            let lb = load_balancer_ips(svc, wide);
            match (lb.is_empty(), external.is_empty()) {
                (true, true) => "<pending>".into(),
                (false, true) => lb,
                (true, false) => external,
                (false, false) => format!("{lb},{external}"),
            }
        }
        "ExternalName" => svc.spec.external_name.clone().unwrap_or_default(),
        _ => "<unknown>".into(),
    }
}

/// The load balancer's ingress IPs (or hostnames), sorted, clipped to 16 characters
/// unless wide.
fn load_balancer_ips(svc: &Service, wide: bool) -> String {
    let mut ips: Vec<&str> = svc
        .status
        .load_balancer
        .ingress
        .iter()
        .filter_map(|i| {
            let non_empty = |key: &str| i[key].as_str().filter(|s| !s.is_empty());
            non_empty("ip").or_else(|| non_empty("hostname"))
        })
        .collect();
    ips.sort();
    ips.dedup();
    let joined = ips.join(",");
    if !wide && joined.len() > 16 {
        return format!("{}...", joined.get(..13).unwrap_or(&joined));
    }
    joined
}

/// PORT(S): `80/TCP`, `80:30080/TCP`, joined by `,`.
pub fn service_ports(svc: &Service) -> String {
    svc.spec
        .ports
        .iter()
        .map(|p| {
            let protocol = p.protocol.as_deref().unwrap_or("");
            match p.node_port {
                Some(np) if np > 0 => format!("{}:{np}/{protocol}", p.port),
                _ => format!("{}/{protocol}", p.port),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn service_cells(svc: &Service, wide: bool, now: SimTime) -> Vec<String> {
    let cluster_ip = svc.spec.cluster_ips.first().cloned().or_else(|| svc.spec.cluster_ip.clone()).unwrap_or_default();
    let mut cells = vec![
        svc.metadata.name.to_string(),
        svc.spec.type_.clone().unwrap_or_default(),
        or_none(cluster_ip),
        service_external_ip(svc, wide),
        or_none(service_ports(svc)),
        created_age(&svc.metadata, now),
    ];
    if wide {
        cells.push(format_labels(&svc.spec.selector));
    }
    cells
}

fn deployment_cells(d: &Deployment, wide: bool, now: SimTime) -> Vec<String> {
    let status = &d.status;
    let mut cells = vec![
        d.metadata.name.to_string(),
        format!("{}/{}", status.ready_replicas.unwrap_or(0), d.spec.replicas.unwrap_or(1)),
        status.updated_replicas.unwrap_or(0).to_string(),
        status.available_replicas.unwrap_or(0).to_string(),
        created_age(&d.metadata, now),
    ];
    if wide {
        let (names, images) = container_cells(&d.spec.template.spec.containers);
        cells.extend([names, images, selector_string(d.spec.selector.as_ref())]);
    }
    cells
}

fn replica_set_cells(rs: &ReplicaSet, wide: bool, now: SimTime) -> Vec<String> {
    let mut cells = vec![
        rs.metadata.name.to_string(),
        rs.spec.replicas.unwrap_or(1).to_string(),
        rs.status.replicas.to_string(),
        rs.status.ready_replicas.unwrap_or(0).to_string(),
        created_age(&rs.metadata, now),
    ];
    if wide {
        let (names, images) = container_cells(&rs.spec.template.spec.containers);
        cells.extend([names, images, format_label_selector(rs.spec.selector.as_ref())]);
    }
    cells
}

fn namespace_cells(ns: &Namespace, now: SimTime) -> Vec<String> {
    let phase = ns.status.as_ref().and_then(|s| s.phase.clone());
    vec![ns.metadata.name.to_string(), phase.unwrap_or_default(), created_age(&ns.metadata, now)]
}

fn lease_cells(lease: &Lease, now: SimTime) -> Vec<String> {
    vec![
        lease.metadata.name.to_string(),
        lease.spec.holder_identity.clone().unwrap_or_default(),
        created_age(&lease.metadata, now),
    ]
}

/// OBJECT: `pod/web`, the involved object's lowercase kind and name.
fn event_target(e: &Event) -> String {
    let kind = e.involved_object.kind.as_deref().unwrap_or("").to_lowercase();
    match e.involved_object.name.as_deref() {
        Some(name) if !name.is_empty() => format!("{kind}/{name}"),
        _ => kind,
    }
}

/// SOURCE: `component, host`, falling back to the reporting controller and instance.
fn event_source(e: &Event) -> String {
    let pick = |a: &Option<Str>, b: &Option<Str>| {
        a.clone().filter(|s| !s.is_empty()).or_else(|| b.clone()).unwrap_or_default().to_string()
    };
    let component = pick(&e.source.component, &e.reporting_component);
    let host = pick(&e.source.host, &e.reporting_instance);
    if host.is_empty() { component } else { format!("{component}, {host}") }
}

fn event_cells(e: &Event, wide: bool, now: SimTime) -> Vec<String> {
    let first = match e.first_timestamp {
        Some(t) => age(Some(t.moment()), now),
        None => age(e.event_time.map(|t| t.moment()), now),
    };
    let last = match e.last_timestamp {
        Some(t) => age(Some(t.moment()), now),
        None => first.clone(),
    };
    let count = e.count.filter(|c| *c != 0).unwrap_or(1);
    let text = |s: &Option<Str>| or_empty(s).to_string();
    let message = text(&e.message).trim().to_string();
    if !wide {
        return vec![last, text(&e.type_), text(&e.reason), event_target(e), message];
    }
    vec![
        last,
        text(&e.type_),
        text(&e.reason),
        event_target(e),
        text(&e.involved_object.field_path),
        event_source(e),
        message,
        first,
        count.to_string(),
        e.metadata.name.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::core::{
        ContainerState, ContainerStateRunning, ContainerStatus, EventSource, NodeAddress, NodeSystemInfo,
        ObjectReference, PodIp, ServicePort,
    };
    use crate::api::meta::{Condition, LabelSelector, Time};

    fn api() -> ApiServer {
        ApiServer::new(0)
    }

    fn created(meta: &mut crate::api::meta::ObjectMeta, name: &str, ms: u64) {
        meta.name = name.into();
        meta.namespace = "default".into();
        meta.creation_timestamp = Some(Time::at(SimTime(ms)));
    }

    fn running_pod(name: &str) -> Object {
        let mut p = Pod::default();
        created(&mut p.metadata, name, 0);
        p.spec.containers = vec![Default::default()].into();
        p.spec.node_name = Some("node-1".into());
        p.status.phase = Some("Running".into());
        p.status.pod_ips = vec![PodIp { ip: "10.244.1.5".into() }].into();
        p.status.container_statuses = vec![ContainerStatus {
            ready: true,
            state: ContainerState { running: Some(ContainerStateRunning::default()), ..Default::default() },
            ..Default::default()
        }];
        Object::from(p)
    }

    fn get(kind: Kind, objects: &[Object], opts: TableOptions, now_ms: u64) -> String {
        let refs: Vec<&Object> = objects.iter().collect();
        table(kind, &refs, &opts, &api(), SimTime(now_ms))
    }

    #[test]
    fn pods() {
        let out = get(Kind::Pod, &[running_pod("web"), running_pod("web-2")], TableOptions::default(), 10_000);
        assert_eq!(
            out,
            "NAME    READY   STATUS    RESTARTS   AGE\n\
             web     1/1     Running   0          10s\n\
             web-2   1/1     Running   0          10s\n"
        );
    }

    #[test]
    fn pods_wide_all_namespaces_with_labels() {
        let mut pod = running_pod("web");
        pod.meta_mut().labels.insert("run".into(), "web".into());
        let opts = TableOptions { wide: true, all_namespaces: true, show_labels: true, ..Default::default() };
        assert_eq!(
            get(Kind::Pod, &[pod], opts, 200_000),
            "NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE     IP           NODE     NOMINATED NODE   READINESS GATES   LABELS\n\
             default     web    1/1     Running   0          3m20s   10.244.1.5   node-1   <none>           <none>            run=web\n"
        );
    }

    #[test]
    fn no_headers() {
        let opts = TableOptions { no_headers: true, ..Default::default() };
        assert_eq!(get(Kind::Pod, &[running_pod("web")], opts, 5_000), "web   1/1   Running   0     5s\n");
    }

    fn node(name: &str, ready: &str) -> Node {
        let mut n = Node::default();
        created(&mut n.metadata, name, 0);
        n.metadata.namespace = crate::api::Str::default();
        n.status.conditions = vec![Condition { type_: "Ready".into(), status: ready.into(), ..Default::default() }];
        n.status.node_info = Some(NodeSystemInfo {
            kubelet_version: "v1.32.0".into(),
            os_image: "Debian GNU/Linux 12 (bookworm)".into(),
            kernel_version: "6.8.0".into(),
            container_runtime_version: "containerd://1.7.24".into(),
            ..Default::default()
        });
        n.status.addresses = vec![NodeAddress { type_: "InternalIP".into(), address: "172.18.0.2".into() }];
        n
    }

    #[test]
    fn nodes() {
        let mut control = node("control-plane", "True");
        control.metadata.labels.insert("node-role.kubernetes.io/control-plane".into(), "".into());
        let mut cordoned = node("node-1", "Unknown");
        cordoned.spec.unschedulable = Some(true);
        let objects = [Object::from(control), Object::from(cordoned)];
        let opts = TableOptions { all_namespaces: true, ..Default::default() };
        assert_eq!(
            get(Kind::Node, &objects, opts, 3_600_000),
            "NAME            STATUS                        ROLES           AGE   VERSION\n\
             control-plane   Ready                         control-plane   60m   v1.32.0\n\
             node-1          NotReady,SchedulingDisabled   <none>          60m   v1.32.0\n"
        );
    }

    #[test]
    fn nodes_wide() {
        let opts = TableOptions { wide: true, ..Default::default() };
        assert_eq!(
            get(Kind::Node, &[Object::from(node("node-1", "True"))], opts, 0),
            "NAME     STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   OS-IMAGE                         KERNEL-VERSION   CONTAINER-RUNTIME\n\
             node-1   Ready    <none>   0s    v1.32.0   172.18.0.2    <none>        Debian GNU/Linux 12 (bookworm)   6.8.0            containerd://1.7.24\n"
        );
    }

    fn service(name: &str, type_: &str, node_port: Option<i32>) -> Object {
        let mut s = Service::default();
        created(&mut s.metadata, name, 0);
        s.spec.type_ = Some(type_.into());
        s.spec.cluster_ips = vec!["10.96.12.34".into()];
        s.spec.selector.insert("app".into(), name.into());
        s.spec.ports = vec![ServicePort { protocol: Some("TCP".into()), port: 80, node_port, ..Default::default() }];
        Object::from(s)
    }

    #[test]
    fn services() {
        let objects = [
            service("web", "ClusterIP", None),
            service("api", "NodePort", Some(30080)),
            service("lb", "LoadBalancer", Some(31000)),
        ];
        let opts = TableOptions { wide: true, ..Default::default() };
        assert_eq!(
            get(Kind::Service, &objects, opts, 42_000),
            "NAME   TYPE           CLUSTER-IP    EXTERNAL-IP   PORT(S)        AGE   SELECTOR\n\
             web    ClusterIP      10.96.12.34   <none>        80/TCP         42s   app=web\n\
             api    NodePort       10.96.12.34   <none>        80:30080/TCP   42s   app=api\n\
             lb     LoadBalancer   10.96.12.34   <pending>     80:31000/TCP   42s   app=lb\n"
        );
    }

    #[test]
    fn deployments_and_replica_sets() {
        let mut d = Deployment::default();
        created(&mut d.metadata, "web", 0);
        d.spec.replicas = Some(3);
        d.spec.selector =
            Some(LabelSelector { match_labels: [("app".to_string(), "web".to_string())].into(), ..Default::default() });
        d.spec.template.spec.containers = vec![crate::api::core::Container {
            name: "nginx".into(),
            image: Some("nginx:1.27".into()),
            ..Default::default()
        }]
        .into();
        d.status.ready_replicas = Some(2);
        d.status.updated_replicas = Some(3);
        d.status.available_replicas = Some(2);
        let opts = TableOptions { wide: true, ..Default::default() };
        assert_eq!(
            get(Kind::Deployment, &[Object::from(d.clone())], opts, 61_000),
            "NAME   READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES       SELECTOR\n\
             web    2/3     3            2           61s   nginx        nginx:1.27   app=web\n"
        );
        let mut rs = ReplicaSet::default();
        created(&mut rs.metadata, "web-7c5ddbdf54", 0);
        rs.spec.replicas = Some(3);
        rs.spec.selector = d.spec.selector.clone();
        rs.spec.template = d.spec.template.clone();
        rs.status.replicas = 3;
        rs.status.ready_replicas = Some(3);
        assert_eq!(
            get(Kind::ReplicaSet, &[Object::from(rs)], TableOptions::default(), 61_000),
            "NAME             DESIRED   CURRENT   READY   AGE\n\
             web-7c5ddbdf54   3         3         3       61s\n"
        );
    }

    #[test]
    fn namespaces_and_leases() {
        let mut ns = Namespace::default();
        created(&mut ns.metadata, "default", 0);
        ns.status = Some(crate::api::core::NamespaceStatus { phase: Some("Active".into()) });
        assert_eq!(
            get(Kind::Namespace, &[Object::from(ns)], TableOptions::default(), 90_000),
            "NAME      STATUS   AGE\ndefault   Active   90s\n"
        );
        let mut lease = Lease::default();
        created(&mut lease.metadata, "node-1", 0);
        lease.spec.holder_identity = Some("node-1".into());
        assert_eq!(
            get(Kind::Lease, &[Object::from(lease)], TableOptions::default(), 90_000),
            "NAME     HOLDER   AGE\nnode-1   node-1   90s\n"
        );
    }

    fn event() -> Event {
        let mut e = Event::default();
        created(&mut e.metadata, "web.181a2b3c4d5e6f70", 1_000);
        e.involved_object = ObjectReference {
            kind: Some("Pod".into()),
            name: Some("web".into()),
            field_path: Some("spec.containers{web}".into()),
            ..Default::default()
        };
        e.type_ = Some("Normal".into());
        e.reason = Some("Pulled".into());
        e.message = Some("Container image \"nginx:1.27\" already present on machine".into());
        e.source = EventSource { component: Some("kubelet".into()), host: Some("node-1".into()) };
        e.first_timestamp = Some(Time::at(SimTime(1_000)));
        e.last_timestamp = Some(Time::at(SimTime(5_000)));
        e.count = Some(2);
        e
    }

    #[test]
    fn events() {
        assert_eq!(
            get(Kind::Event, &[Object::from(event())], TableOptions::default(), 65_000),
            "LAST SEEN   TYPE     REASON   OBJECT    MESSAGE\n\
             60s         Normal   Pulled   pod/web   Container image \"nginx:1.27\" already present on machine\n"
        );
        let opts = TableOptions { wide: true, ..Default::default() };
        assert_eq!(
            get(Kind::Event, &[Object::from(event())], opts, 65_000),
            "LAST SEEN   TYPE     REASON   OBJECT    SUBOBJECT              SOURCE            MESSAGE                                                   FIRST SEEN   COUNT   NAME\n\
             60s         Normal   Pulled   pod/web   spec.containers{web}   kubelet, node-1   Container image \"nginx:1.27\" already present on machine   64s          2       web.181a2b3c4d5e6f70\n"
        );
    }

    #[test]
    fn readiness_gates_count_true_conditions() {
        let Object::Pod(mut p) = running_pod("web") else { unreachable!() };
        p.spec.readiness_gates = Some(Box::new(serde_json::json!([
            {"conditionType": "example.com/ready"},
            {"conditionType": "example.com/other"}
        ])));
        p.status.conditions =
            vec![Condition { type_: "example.com/ready".into(), status: "True".into(), ..Default::default() }].into();
        assert_eq!(readiness_gates(&p), "1/2");
    }
}
