//! Timestamps of every shape, in UTC and with a reference year.
#![no_main]

use libfuzzer_sys::fuzz_target;
use outsidein::time::{TimeCtx, TimeParser};

fuzz_target!(|text: &str| {
    let parser = TimeParser::new();
    let _ = parser.parse(text, &TimeCtx::default());
    let ctx = TimeCtx {
        zone: jiff::tz::TimeZone::fixed(jiff::tz::offset(-5)),
        reference: Some(jiff::Timestamp::from_second(1_764_000_000).unwrap()),
    };
    let _ = parser.parse(text, &ctx);
    let _ = outsidein::time::from_path(text);
});
