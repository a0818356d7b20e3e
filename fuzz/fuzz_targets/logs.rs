//! Format detection, then framing with the winner (or each format in turn).
#![no_main]

use libfuzzer_sys::fuzz_target;
use outsidein::logs::{frame, Registry};
use outsidein::time::TimeCtx;
use std::sync::OnceLock;

fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(Registry::default)
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else {
        return;
    };
    let reg = registry();
    let text = String::from_utf8_lossy(bytes);
    let ctx = TimeCtx::default();
    let index = match reg.detect(&text) {
        Some(d) => d.index,
        None => pick as usize % reg.formats().len(),
    };
    let _ = frame(reg.get(index), bytes, &ctx);
});
