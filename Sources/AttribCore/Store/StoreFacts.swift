// Facts the store keeps about its lines, for `gaps`: read here so reports never query internal tables.

/// How many distinct lines of one log statement carry each identity field.
struct StatementCoverage {
    var statement: String
    var lines: Int64
    var withUserSub: Int64
    var withUserEmail: Int64
    var withAuthSource: Int64
}

extension Store {
    /// Epoch ms of the earliest line with a non-empty user_sub or user_email: when identity was first logged.
    func identityCutover() throws -> Int64? {
        try db.scalar(
            "SELECT min(ts) FROM line WHERE flags & \(LineFlag.userSub | LineFlag.userEmail) != 0 AND ts IS NOT NULL")
    }

    /// Per log statement, most lines first.
    func statementCoverage() throws -> [StatementCoverage] {
        let s = try db.prepare(
            """
            SELECT d.value, s.lines, s.with_user_sub, s.with_user_email, s.with_auth_source
            FROM statement_stats s JOIN dict d ON d.id = s.statement ORDER BY s.lines DESC, d.value
            """)
        var result: [StatementCoverage] = []
        while try s.step() {
            result.append(
                StatementCoverage(
                    statement: s.text(0) ?? "", lines: s.int(1), withUserSub: s.int(2),
                    withUserEmail: s.int(3), withAuthSource: s.int(4)))
        }
        return result
    }
}
