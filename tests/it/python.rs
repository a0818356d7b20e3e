//! The Python the tests read outsidein's output with: `OUTSIDEIN_PYTHON`,
//! else a virtualenv at `$HOME/.cache/outsidein/venv` (outside the clone),
//! made when missing, with the packages a test asks for installed from
//! PyPI when it lacks them. So `cargo test` works on a fresh machine with
//! only `python3`; `.ci/run` prepares the same venv ahead.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// One test at a time makes the venv or installs into it.
static SETUP: Mutex<()> = Mutex::new(());

fn imports(py: &Path, module: &str) -> bool {
    Command::new(py)
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A Python that imports every module of `packages`, given as (module,
/// PyPI package) pairs.
pub fn with(packages: &[(&str, &str)]) -> PathBuf {
    if let Some(p) = std::env::var_os("OUTSIDEIN_PYTHON").map(PathBuf::from) {
        for (module, _) in packages {
            assert!(
                imports(&p, module),
                "OUTSIDEIN_PYTHON={} cannot import {module}",
                p.display()
            );
        }
        return p;
    }
    let _one = SETUP.lock().unwrap_or_else(|e| e.into_inner());
    let home = PathBuf::from(std::env::var_os("HOME").expect("HOME"));
    let venv = home.join(".cache/outsidein/venv");
    let py = venv.join("bin/python");
    if !py.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 runs");
        assert!(made.success(), "python3 -m venv {}", venv.display());
    }
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(module, _)| !imports(&py, module))
        .map(|&(_, package)| package)
        .collect();
    if !missing.is_empty() {
        let pip = Command::new(&py)
            .args(["-m", "pip", "install", "-q"])
            .args(&missing)
            .status()
            .expect("pip runs");
        assert!(
            pip.success(),
            "pip install {missing:?} into {}",
            venv.display()
        );
    }
    py
}
