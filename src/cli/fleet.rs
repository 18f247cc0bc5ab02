//! `--backend` resolved: the serving-fleet flags turned into model clients, one per
//! parallel slot. Without the `fleet` feature, a one-line error that says how to get it.

use super::args::FleetArgs;
use anyhow::Result;
use bisum::model::registry::Resolved;
use bisum::model::{Generate, Runtime};

/// The API key, from the file or the environment variable the flags name; never argv.
#[cfg_attr(not(feature = "fleet"), allow(dead_code))]
fn api_key(a: &FleetArgs) -> Result<Option<String>> {
    if let Some(path) = &a.api_key_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read the API key: {e}", path.display()))?;
        let key = text.trim().to_string();
        anyhow::ensure!(
            !key.is_empty(),
            "{}: the API key file is empty",
            path.display()
        );
        return Ok(Some(key));
    }
    Ok(std::env::var(&a.api_key_env)
        .ok()
        .filter(|k| !k.trim().is_empty()))
}

/// One client per `--parallel` slot, all sharing the connection to the servers.
#[cfg(feature = "fleet")]
pub fn clients(
    a: &FleetArgs,
    model: &Resolved,
    ctx: usize,
    runtime: Runtime,
    say: &dyn Fn(&str),
) -> Result<Vec<Box<dyn Generate>>> {
    use bisum::model::endpoint::Endpoint;
    use bisum::model::engine::{CandleModel, LoadOptions};
    use bisum::model::fleet::{Fleet, FleetOptions};
    use std::time::Duration;
    let endpoints = a
        .backend
        .iter()
        .map(|u| Endpoint::parse(u))
        .collect::<bisum::Result<Vec<_>>>()?;
    // The address policy first: a refused endpoint is said before any file is read.
    for e in &endpoints {
        e.check(&e.addresses()?, a.allow_public_endpoint)?;
    }
    let counter = CandleModel::load_tokenizer_only(
        &model.path,
        LoadOptions {
            name: &model.name,
            sha256: model.manifest.as_ref().map(|m| m.sha256.clone()),
            max_context: ctx,
            runtime,
        },
    )?;
    let options = FleetOptions {
        endpoints,
        allow_public: a.allow_public_endpoint,
        api_key: api_key(a)?,
        timeout: Duration::from_secs(a.backend_timeout),
        attempts: 4,
        backoff: Duration::from_millis(500),
        parallel: a.parallel as usize,
    };
    let fleet = Fleet::connect(counter, options, say)?;
    Ok((0..a.parallel)
        .map(|_| Box::new(fleet.clone()) as Box<dyn Generate>)
        .collect())
}

#[cfg(not(feature = "fleet"))]
pub fn clients(
    a: &FleetArgs,
    _model: &Resolved,
    _ctx: usize,
    _runtime: Runtime,
    _say: &dyn Fn(&str),
) -> Result<Vec<Box<dyn Generate>>> {
    Err(bisum::Error::Endpoint {
        url: a.backend.first().cloned().unwrap_or_default(),
        reason: "this bisum was built without the `fleet` feature (the default build links no HTTP client): rebuild with `cargo build --release --features fleet`".into(),
    }
    .into())
}
