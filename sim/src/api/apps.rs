//! The `apps/v1` kinds kubesim stores: Deployment and ReplicaSet.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::core::PodSpec;
use super::meta::{Condition, IntOrString, LabelSelector, ObjectMeta, null_as_default};
use super::name::Str;
use super::shared::Shared;

/// A pod template: the metadata and spec given to each pod a controller creates.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodTemplateSpec {
    /// Metadata for the pods made from the template, above all their labels, which must
    /// match the owner's selector.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    // Shared with the pods made from it until they change it.
    /// The spec of the pods made from the template: their containers and how to run them.
    #[serde(default, deserialize_with = "null_as_default")]
    pub spec: Shared<PodSpec>,
}

/// A Deployment: keeps a number of identical pods running and rolls changes out to them
/// step by step, through ReplicaSets it manages.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Deployment {
    /// The API group and version this object is written in: apps/v1. Clients send it; the
    /// server fills it in on what it returns.
    #[serde(default)]
    pub api_version: Str,
    /// The type of this object: Deployment. Clients send it; the server fills it in on what
    /// it returns.
    #[serde(default)]
    pub kind: Str,
    /// Standard object metadata: name, namespace, labels and annotations, plus the identity
    /// and bookkeeping fields the apiserver sets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    /// The desired state: the pod template, the number of replicas, and how to roll out
    /// changes.
    #[serde(default, deserialize_with = "null_as_default")]
    pub spec: DeploymentSpec,
    /// The observed progress of the Deployment and its rollout. Written by the deployment
    /// controller, not by users.
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: DeploymentStatus,
}

/// The desired state of a Deployment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentSpec {
    /// How many pods the Deployment should run. Defaults to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// Which pods belong to the Deployment, by label. It must match the template's labels
    /// and cannot be changed after creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// The pods to run. Any change to it starts a new rollout.
    #[serde(default, deserialize_with = "null_as_default")]
    pub template: PodTemplateSpec,
    /// How old pods are replaced with new ones when the template changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy: Option<DeploymentStrategy>,
    /// How many seconds a new pod must stay ready, with no container crashing, before it
    /// counts as available. Defaults to 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ready_seconds: Option<i32>,
    /// How many old, scaled-down ReplicaSets to keep so that a rollout can be undone.
    /// Defaults to 10.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_history_limit: Option<i32>,
    /// While true, changes to the template do not start a rollout. Defaults to false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused: Option<bool>,
    /// How many seconds a rollout may go without progress before the Deployment reports it
    /// as stalled (ProgressDeadlineExceeded); it is not rolled back. Defaults to 600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub progress_deadline_seconds: Option<i32>,
}

/// How a Deployment replaces old pods with new ones.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentStrategy {
    /// The kind of replacement: RollingUpdate (a few pods at a time, so the app stays up)
    /// or Recreate (stop every old pod before starting new ones). Defaults to
    /// RollingUpdate.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
    /// Limits on how a RollingUpdate proceeds; allowed only with that type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update: Option<RollingUpdateDeployment>,
}

/// Limits on how far a rolling update may go below and above the desired number of pods.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RollingUpdateDeployment {
    /// How many of the desired pods may be unavailable during the update: a number, or a
    /// percentage of replicas rounded down. Defaults to 25%. Cannot be 0 when maxSurge is
    /// 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
    /// How many pods beyond the desired number may exist during the update: a number, or a
    /// percentage of replicas rounded up. Defaults to 25%. Cannot be 0 when maxUnavailable
    /// is 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_surge: Option<IntOrString>,
}

/// The observed state of a Deployment. Written by the deployment controller, not by users.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeploymentStatus {
    /// The metadata.generation the controller last acted on; when it is below the current
    /// generation, the status is not up to date yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// How many pods the Deployment's ReplicaSets have, old and new together.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// How many of those pods were made from the current template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_replicas: Option<i32>,
    /// How many of those pods are ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_replicas: Option<i32>,
    /// How many of those pods have been ready for at least minReadySeconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_replicas: Option<i32>,
    /// How many of the desired pods are not available yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unavailable_replicas: Option<i32>,
    /// The Deployment's conditions: Available (enough pods are available), Progressing
    /// (whether the rollout moves, has finished, or is stuck) and ReplicaFailure (pods
    /// could not be created).
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// How many times the name the controller chose for a new ReplicaSet was already taken;
    /// it is mixed into the name so the next try differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collision_count: Option<i32>,
}

/// A ReplicaSet: keeps a set number of identical pods running, replacing any that fail or
/// are deleted. Usually created and managed by a Deployment.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplicaSet {
    /// The API group and version this object is written in: apps/v1. Clients send it; the
    /// server fills it in on what it returns.
    #[serde(default)]
    pub api_version: Str,
    /// The type of this object: ReplicaSet. Clients send it; the server fills it in on what
    /// it returns.
    #[serde(default)]
    pub kind: Str,
    /// Standard object metadata: name, namespace, labels and annotations, plus the identity
    /// and bookkeeping fields the apiserver sets.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: ObjectMeta,
    /// The desired state: how many pods, which ones, and the template for new ones.
    #[serde(default, deserialize_with = "null_as_default")]
    pub spec: ReplicaSetSpec,
    /// The observed state of the ReplicaSet. Written by the ReplicaSet controller, not by
    /// users.
    #[serde(default, deserialize_with = "null_as_default")]
    pub status: ReplicaSetStatus,
}

/// The desired state of a ReplicaSet.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplicaSetSpec {
    /// How many pods should run. Defaults to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<i32>,
    /// How many seconds a new pod must stay ready, with no container crashing, before it
    /// counts as available. Defaults to 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_ready_seconds: Option<i32>,
    /// Which pods the ReplicaSet counts as its own, by label; it must match the template's
    /// labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<LabelSelector>,
    /// The pods to create when there are fewer than replicas.
    #[serde(default, deserialize_with = "null_as_default")]
    pub template: PodTemplateSpec,
}

/// The observed state of a ReplicaSet. Written by the ReplicaSet controller, not by users.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReplicaSetStatus {
    /// How many pods the ReplicaSet has now.
    #[serde(default)]
    pub replicas: i32,
    /// How many of its pods carry every label of the template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fully_labeled_replicas: Option<i32>,
    /// How many of its pods are ready.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ready_replicas: Option<i32>,
    /// How many of its pods have been ready for at least minReadySeconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_replicas: Option<i32>,
    /// The metadata.generation the controller last acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// The ReplicaSet's conditions, such as ReplicaFailure when it cannot create or delete
    /// pods.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}
