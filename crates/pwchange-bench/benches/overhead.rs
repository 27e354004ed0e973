//! Per-call overhead: the facade vs the generated client vs a hand-written reqwest call, same
//! request, same loopback server, same process. See BENCHMARKS.md.

#![allow(clippy::unwrap_used)] // benchmark setup

use criterion::{Criterion, criterion_group, criterion_main};
use pwchange_bench::{change, facade, generated, generated_call, raw_call, route, start_server};

fn overhead(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr = runtime.block_on(start_server()).unwrap();
    let base = format!("http://{addr}");
    let facade = facade(&base).unwrap();
    let change = change();
    let generated = generated(&base).unwrap();
    let http = {
        pwchange_core::tls::ensure_default_provider();
        reqwest::Client::new()
    };
    let url = format!("{base}{}", route());

    let mut group = c.benchmark_group("change_password");
    group.bench_function("raw_reqwest", |b| {
        b.to_async(&runtime)
            .iter(|| async { raw_call(&http, &url).await.unwrap() })
    });
    group.bench_function("generated_client", |b| {
        b.to_async(&runtime)
            .iter(|| async { generated_call(&generated).await.unwrap() })
    });
    group.bench_function("facade", |b| {
        b.to_async(&runtime)
            .iter(|| async { facade.change_password(&change).await.unwrap() })
    });
    group.finish();
}

criterion_group!(benches, overhead);
criterion_main!(benches);
