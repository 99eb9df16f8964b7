// Collects the bill lines of one ingest run in memory, for the store to replace whole periods at the end.

/// A bill file read during the run.
public struct BillFileSummary: Sendable, Equatable {
    public var file: String
    public var lines = 0
    public var otherLines = 0
    public var problems = 0
    public var complete = true
}

/// A problem with one bill line, for the summary and `--strict`.
public struct BillProblem: Sendable, Equatable {
    public var file: String
    public var line: Int
    public var reason: String
}

/// Thread-safe: the run's workers read bill files concurrently.
public final class BillCollector: BillSink, @unchecked Sendable {
    private let lock = Lock()
    private var collected: [BillLine] = []
    private var fileSummaries: [String: BillFileSummary] = [:]
    private var problemList: [BillProblem] = []
    /// Told about each problem as it is found (the CLI prints one line).
    public var onProblem: ((BillProblem) -> Void)?

    public init() {}

    public func billLine(_ line: BillLine) {
        lock.locked {
            collected.append(line)
            fileSummaries[line.file, default: BillFileSummary(file: line.file)].lines += 1
        }
    }

    public func billProblem(file: String, line: Int, reason: String) {
        let problem = BillProblem(file: file, line: line, reason: reason)
        lock.locked {
            problemList.append(problem)
            fileSummaries[file, default: BillFileSummary(file: file)].problems += 1
            onProblem?(problem)
        }
    }

    public func billFileRead(file: String, otherLines: Int, complete: Bool) {
        lock.locked {
            fileSummaries[file, default: BillFileSummary(file: file)].otherLines += otherLines
            fileSummaries[file, default: BillFileSummary(file: file)].complete = complete
        }
    }

    /// The lines in a fixed order (file, line), whatever order the threads delivered them in. A file whose
    /// lines are exactly those of a file before it (the same bill under two names, or compressed and not)
    /// is left out: the same bill twice never adds.
    public var lines: [BillLine] {
        lock.locked {
            let sorted = collected.sorted { ($0.file, $0.line) < ($1.file, $1.line) }
            var byFile: [(String, [BillLine])] = []
            for l in sorted {
                if byFile.last?.0 == l.file {
                    byFile[byFile.count - 1].1.append(l)
                } else {
                    byFile.append((l.file, [l]))
                }
            }
            var seen: [[BillLine]] = []
            var out: [BillLine] = []
            var cells: Set<String> = []
            repeatedCellCount = 0
            for (_, lines) in byFile {
                let content = lines.map { l -> BillLine in
                    var c = l
                    c.file = ""
                    return c
                }
                if seen.contains(content) {
                    duplicateFiles.insert(lines[0].file)
                    continue
                }
                seen.append(content)
                for l in lines {
                    if let cell = l.cell, !cells.insert(cell).inserted {
                        repeatedCellCount += 1
                        continue
                    }
                    out.append(l)
                }
            }
            return out
        }
    }
    /// Files left out by `lines` as copies of another file of the run.
    public var duplicates: [String] { lock.locked { duplicateFiles.sorted() } }
    private var duplicateFiles: Set<String> = []
    /// Cost Explorer groups left out by `lines` as a cell already read (a page met twice).
    public var repeatedCells: Int { lock.locked { repeatedCellCount } }
    private var repeatedCellCount = 0
    public var files: [BillFileSummary] { lock.locked { fileSummaries.values.sorted { $0.file < $1.file } } }
    public var problems: [BillProblem] { lock.locked { problemList } }
}
