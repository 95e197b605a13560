//! `GET /v1/{project_id}/resourceflavors`: the flavor catalog as
//! `ResourceFlavor` objects, filtered by label selector and paged.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use respool_api_types::{
    keys, ErrorBody, FlavorVolume, ObjectMeta, ResourceFlavor, ResourceFlavorList,
    ResourceFlavorSpec, ResourceFlavorStatus, ResourceFlavorXpu,
};
use respool_core::flavors::{AcceleratorKind, Flavor, Volume};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::error::ApiError;
use crate::extract::{PathParams, QueryParams};
use crate::handlers::ProjectPath;
use crate::paging;

const API_VERSION: &str = "v1";
const KIND: &str = "ResourceFlavor";
const LIST_KIND: &str = "ResourceFlavorList";
/// Names the flavor list in its `continue` tokens.
const PAGING: &str = "resourceflavors";

#[derive(Deserialize, Default, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct ListFlavorsQuery {
    /// A Kubernetes label selector over `metadata.labels`, e.g. `os.modelarts/scope`.
    label_selector: Option<String>,
    /// Page size, 0–500; 0 or absent means 500.
    limit: Option<String>,
    /// `metadata.continue` of the previous page.
    #[serde(rename = "continue")]
    #[param(rename = "continue")]
    continue_token: Option<String>,
}

/// `GET /v1/{project_id}/resourceflavors`
#[utoipa::path(get, path = "/v1/{project_id}/resourceflavors", operation_id = "ListResourceFlavors",
    params(ProjectPath, ListFlavorsQuery),
    responses((status = 200, body = ResourceFlavorList), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(app): State<AppState>,
    PathParams(_path): PathParams<ProjectPath>,
    QueryParams(q): QueryParams<ListFlavorsQuery>,
) -> Result<Json<ResourceFlavorList>, ApiError> {
    let selector = crate::extract::label_selector(q.label_selector.as_deref())?;
    let limit = paging::parse_limit(q.limit.as_deref())?;
    let after: Option<String> = paging::decode(PAGING, q.continue_token.as_deref())?;
    let region = &app.settings.region;
    // The catalog is sorted by name, which is also the paging order.
    let matching: Vec<ResourceFlavor> = app
        .catalog
        .all()
        .iter()
        .map(|f| to_wire(f, region))
        .filter(|f| selector.matches(&f.metadata.labels))
        .collect();
    let (items, metadata) = paging::page(
        PAGING,
        matching,
        |f| f.metadata.name.clone(),
        after.as_ref(),
        limit,
    );
    Ok(Json(ResourceFlavorList {
        api_version: API_VERSION.into(),
        kind: LIST_KIND.into(),
        metadata,
        items,
    }))
}

fn volume(v: &Volume) -> FlavorVolume {
    FlavorVolume {
        volume_type: v.volume_type.clone(),
        size: v.size(),
    }
}

/// A catalog flavor as a `ResourceFlavor` of `region`. Data disks are given
/// both as `dataVolumes` (OTC, Terraform) and `dataVolume` (the SDK).
pub fn to_wire(f: &Flavor, region: &str) -> ResourceFlavor {
    let xpu = f.accelerator.as_ref().map(|acc| {
        let count = acc.count.to_string();
        ResourceFlavorXpu {
            xpu_type: acc.r#type.clone(),
            size: count.clone(),
            memory: acc.memory.clone(),
            card: count.clone(),
            chip: count,
        }
    });
    let (gpu, npu) = match f.kind {
        AcceleratorKind::Gpu => (xpu, None),
        AcceleratorKind::Npu => (None, xpu),
        AcceleratorKind::Cpu => (None, None),
    };
    let data_volumes: Vec<FlavorVolume> = f.data_volumes.iter().map(volume).collect();
    let labels = BTreeMap::from([
        (keys::FLAVOR_SCOPE.to_owned(), f.scope_label()),
        (keys::FLAVOR_BAREMETAL.to_owned(), f.baremetal.to_string()),
        (keys::FLAVOR_LOCALDISK.to_owned(), f.local_disk.to_string()),
    ]);
    let mut filter = serde_json::json!({"arch": f.cpu_arch});
    if let Some(acc) = &f.accelerator {
        filter["xpu"] = acc.r#type.clone().into();
    }
    let annotations = BTreeMap::from([(keys::FLAVOR_IMAGE_FILTER.to_owned(), filter.to_string())]);
    ResourceFlavor {
        api_version: API_VERSION.into(),
        kind: KIND.into(),
        metadata: ObjectMeta {
            name: f.name.clone(),
            labels,
            annotations,
            resource_version: None,
            ..ObjectMeta::default()
        },
        spec: ResourceFlavorSpec {
            flavor_type: f.pool_type.clone(),
            cpu_arch: f.cpu_arch.clone(),
            cpu: f.cpu.to_string(),
            memory: format!("{}Gi", f.memory_gi),
            gpu,
            npu,
            data_volume: data_volumes.clone(),
            data_volumes,
            root_volume: volume(&f.root_volume),
            billing_modes: f.billing_modes.iter().map(|m| i64::from(*m)).collect(),
            billing_code: f.name.clone(),
            job_flavors: f.job_flavors.clone(),
            creating_steps: f
                .creating_steps
                .iter()
                .map(|step| serde_json::json!({"type": "hyperinstance", "step": step}))
                .collect(),
            flavor_boot_type: f.flavor_boot_type().into(),
        },
        status: ResourceFlavorStatus {
            phase: f.phase_in_region(region),
        },
    }
}

#[cfg(test)]
mod tests {
    use respool_core::flavors::Catalog;
    use serde_json::json;

    use super::*;

    fn wire(f: &Flavor, region: &str) -> serde_json::Value {
        serde_json::to_value(to_wire(f, region)).unwrap()
    }

    #[test]
    fn the_wire_object() {
        let catalog = Catalog::builtin();
        let f = catalog.get("modelarts.bm.gpu.a100.8").unwrap();
        let v = wire(f, "local-1");
        assert_eq!(v["kind"], "ResourceFlavor");
        assert_eq!(v["apiVersion"], "v1");
        assert_eq!(v["metadata"]["name"], "modelarts.bm.gpu.a100.8");
        assert_eq!(v["metadata"]["labels"]["os.modelarts/scope"], "Train");
        assert_eq!(
            v["metadata"]["labels"]["os.modelarts.flavor/baremetal"],
            "true"
        );
        let filter = v["metadata"]["annotations"]["os.modelarts.flavor/image.filter"]
            .as_str()
            .unwrap();
        let filter: serde_json::Value = serde_json::from_str(filter).unwrap();
        assert_eq!(filter, json!({"arch": "x86", "xpu": "nvidia-a100"}));
        assert_eq!(v["spec"]["type"], "Dedicate");
        assert_eq!(v["spec"]["cpuArch"], "x86");
        assert_eq!(v["spec"]["cpu"], "128");
        assert_eq!(v["spec"]["memory"], "1024Gi");
        assert_eq!(v["spec"]["gpu"]["type"], "nvidia-a100");
        assert_eq!(v["spec"]["gpu"]["size"], "8");
        assert!(v["spec"].get("npu").is_none());
        assert_eq!(v["spec"]["dataVolumes"][0]["size"], "3500Gi");
        assert_eq!(v["spec"]["dataVolume"], v["spec"]["dataVolumes"]);
        assert_eq!(v["spec"]["rootVolume"]["volumeType"], "SSD");
        assert_eq!(v["spec"]["billingModes"], json!([0, 1]));
        assert_eq!(v["spec"]["billingCode"], "modelarts.bm.gpu.a100.8");
        assert_eq!(
            v["spec"]["creatingSteps"],
            json!([]),
            "an ordinary flavor has no steps"
        );
        assert_eq!(v["spec"]["flavorBootType"], "LocalDisk");
        assert_eq!(v["status"]["phase"]["local-1b"], "soldout");
        assert_eq!(v["status"]["phase"]["local-1a"], "normal");

        let cpu = catalog.get("modelarts.vm.cpu.8ud").unwrap();
        let v = wire(cpu, "cn-north-7");
        assert_eq!(
            v["metadata"]["labels"]["os.modelarts/scope"],
            "Train.Infer.Notebook"
        );
        assert!(v["spec"].get("gpu").is_none() && v["spec"].get("npu").is_none());
        assert_eq!(v["spec"]["flavorBootType"], "Volume");
        assert_eq!(v["status"]["phase"]["cn-north-7c"], "normal");

        let npu = catalog.get("modelarts.kat1.8xlarge").unwrap();
        let v = wire(npu, "local-1");
        assert_eq!(v["spec"]["npu"]["type"], "ascend-snt9");
        assert_eq!(v["spec"]["npu"]["chip"], "8");
        assert_eq!(v["spec"]["cpuArch"], "arm64");
    }

    #[test]
    fn a_hyper_instance_flavor_lists_its_creating_steps() {
        let catalog = Catalog::builtin();
        let f = catalog.get("modelarts.bm.npu.arm.8snt9b23.hi").unwrap();
        assert_eq!(
            wire(f, "local-1")["spec"]["creatingSteps"],
            serde_json::json!([
                {"type": "hyperinstance", "step": 8},
                {"type": "hyperinstance", "step": 16}
            ])
        );
    }
}
