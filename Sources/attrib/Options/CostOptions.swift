// --prices and --cost: shared by every command that shows cost.

import ArgumentParser
import AttribCore

extension CostMode: ExpressibleByArgument {}

struct CostOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "A price table to use instead of the bundled one: LiteLLM JSON, or CSV (model,input_per_mtok,output_per_mtok,cache_read_per_mtok,cache_write_per_mtok).",
            valueName: "file"))
    var prices: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "computed (from the price table), logged (the cost the gateway logged), or auto (logged when present).",
            valueName: "source"))
    var cost: CostMode = .computed

    /// The price table; an unreadable file is a data error (exit 65), so it is read in run(), not validate().
    func priceTable() throws -> PriceTable { try loadPriceTable(prices) }
}

/// The price table at `path` (a `--prices` file), else the bundled one; a file that cannot be read is a data
/// error (exit 65). For the commands with a `--prices` of their own (without `--cost`) too.
func loadPriceTable(_ path: String?) throws -> PriceTable {
    guard let path else { return PriceTable.bundled() }
    do {
        return try PriceTable.load(path: path)
    } catch {
        throw ReportError.data("\(error)")
    }
}
