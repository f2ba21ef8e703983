//! What a built component imports and exports, printed as WIT the way
//! `wasm-tools component wit` prints it: the component's world, then every package it uses.

use anyhow::Context;

/// The WIT of the component in `bytes`.
pub fn wit(bytes: &[u8]) -> anyhow::Result<String> {
    let decoded = wit_component::decode(bytes).context("not a WebAssembly component")?;
    let resolve = decoded.resolve();
    let main = decoded.package();
    let nested: Vec<_> = resolve
        .packages
        .iter()
        .map(|(id, _)| id)
        .filter(|id| *id != main)
        .collect();
    let mut printer = wit_component::WitPrinter::default();
    printer.print(resolve, main, &nested)?;
    Ok(printer.output.to_string())
}
