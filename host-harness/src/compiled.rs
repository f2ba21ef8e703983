//! The component compiled once per build: its native code cached beside it.
//!
//! Compiling the component with Cranelift takes about two seconds; every `email-harness`
//! command would pay it again. [`component`] keeps the compiled form in a file next to the
//! `.wasm` (`email-manager.<key>.cwasm`), keyed by the component's bytes and the engine's
//! compatibility hash (wasmtime's version and settings), so a changed component or a changed
//! engine never reads a stale file; older cache files of the same component are removed.
//! `EMAIL_HARNESS_COMPILE_CACHE=off` turns the cache off.
//!
//! Loading compiled code runs whatever native code the file holds, so the file must come from
//! this engine's own [`Engine::precompile_component`]: it is written only here, next to the
//! component the harness was pointed at. Whoever can write that folder can already replace the
//! component and the harness itself. A file that fails to load (damaged, cut short, another
//! engine's) is compiled again and replaced.

use anyhow::Context as _;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use wasmtime::Engine;
use wasmtime::component::Component;

/// The environment variable that turns the cache off (`off`).
pub const CACHE_ENV: &str = "EMAIL_HARNESS_COMPILE_CACHE";

/// The component at `path`, compiled by `engine`: read from the cache when an earlier load of
/// the same bytes by a compatible engine left it there, else compiled (and cached when the
/// folder is writable).
pub fn component(engine: &Engine, path: &Path) -> anyhow::Result<Component> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if std::env::var(CACHE_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("off")) {
        return Component::new(engine, &bytes).map_err(anyhow::Error::from);
    }
    let cached = cache_file(engine, path, &bytes);
    if cached.is_file() {
        // SAFETY: the file was written by `store` below, from this engine's own
        // `precompile_component` (see the module's documentation); wasmtime checks that it was
        // made by a compatible engine and refuses it otherwise.
        match unsafe { Component::deserialize_file(engine, &cached) } {
            Ok(component) => return Ok(component),
            Err(_) => {
                let _ = std::fs::remove_file(&cached);
            }
        }
    }
    let compiled = engine.precompile_component(&bytes)?;
    store(path, &cached, &compiled);
    // SAFETY: `compiled` was produced just now by this engine's `precompile_component`.
    unsafe { Component::deserialize(engine, &compiled) }.map_err(anyhow::Error::from)
}

/// `email-manager.<key>.cwasm` beside `path` (`email-manager.wasm`), `key` naming the bytes and
/// the engine.
fn cache_file(engine: &Engine, path: &Path, bytes: &[u8]) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    bytes.hash(&mut hasher);
    path.with_extension(format!("{:016x}.cwasm", hasher.finish()))
}

/// Writes `compiled` to `cached` (whole, under a temporary name, then renamed, so that a
/// concurrent reader never sees half of it) and removes the other cache files of the same
/// component. A folder that cannot be written only loses the cache.
fn store(path: &Path, cached: &Path, compiled: &[u8]) {
    let partial = cached.with_extension(format!("{}.partial", std::process::id()));
    if std::fs::write(&partial, compiled).is_err() || std::fs::rename(&partial, cached).is_err() {
        let _ = std::fs::remove_file(&partial);
        return;
    }
    let (Some(folder), Some(stem)) = (path.parent(), path.file_stem()) else {
        return;
    };
    let prefix = format!("{}.", stem.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let other = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if other != cached && name.starts_with(&prefix) && name.ends_with(".cwasm") {
            let _ = std::fs::remove_file(other);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The smallest component: the preamble alone (magic, version 0x0d, layer 1).
    const EMPTY: &[u8] = b"\0asm\x0d\0\x01\0";

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("email-harness-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn cwasm_files(dir: &Path) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
            .collect();
        files.sort();
        files
    }

    #[test]
    fn a_component_is_compiled_once_then_read_back_and_a_damaged_cache_is_replaced() {
        let dir = folder("compile-cache");
        let wasm = dir.join("email-manager.wasm");
        std::fs::write(&wasm, EMPTY).unwrap();
        let engine = Engine::default();

        component(&engine, &wasm).unwrap();
        let files = cwasm_files(&dir);
        assert_eq!(files.len(), 1, "one cache file: {files:?}");
        let first = std::fs::read(&files[0]).unwrap();
        assert!(!first.is_empty());

        // Read back: the file stays as it is.
        component(&engine, &wasm).unwrap();
        assert_eq!(std::fs::read(&files[0]).unwrap(), first);

        // Damaged: not trusted, compiled again and replaced.
        std::fs::write(&files[0], b"not compiled code").unwrap();
        component(&engine, &wasm).unwrap();
        assert_eq!(std::fs::read(&files[0]).unwrap(), first);

        // Another component: its own file, the old one removed.
        let mut other = EMPTY.to_vec();
        other.extend_from_slice(&[0, 1, 0]); // a custom section (id 0, 1 byte) with an empty name
        std::fs::write(&wasm, &other).unwrap();
        component(&engine, &wasm).unwrap();
        let now = cwasm_files(&dir);
        assert_eq!(now.len(), 1, "{now:?}");
        assert_ne!(now[0], files[0]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
