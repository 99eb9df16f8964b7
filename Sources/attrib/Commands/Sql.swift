// `attrib sql`: read-only SQL over the store's documented views.

import ArgumentParser
import AttribCore

struct Sql: StoreDocumentCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Read-only SQL over the store's views, for what the built-in reports do not cover.",
        discussion: """
            The store is opened read-only. One statement at a time: several statements, a statement \
            that writes, and ATTACH or DETACH are refused (exit 64). Views:

            requests: request_id, start_ms, start_time, user_email, user_sub, auth_source, user_id, \
            api_key_id, project, model_id, route, status, latency_ms, method, path, user_agent, log_group, \
            log_stream, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, total_tokens, \
            logged_cost, lines, is_model_request, is_orphan_usage, has_conflict, source, principal, client_ip, \
            token_id.

            request_tags: request_id, key, value (request metadata tags, the meta.KEY dimensions).

            events: event_key, ts, time, request_id, statement, has_user_sub, has_user_email, \
            has_auth_source, is_usage, is_json, block, slot.

            Also the table reject (source, position, reason, raw) and source (path, shape, compression, \
            bytes, events, new_events, duplicates, rejects, complete, first_ms, last_ms).

            EXAMPLES:
              attrib sql "SELECT user_email, count(*) FROM requests WHERE route = 'mantle' GROUP BY 1"
              attrib sql "SELECT statement, count(*) FROM events WHERE request_id IS NULL GROUP BY 1"
              attrib sql "SELECT position, reason FROM reject"
            """
    )

    @OptionGroup var global: GlobalOptions

    @OptionGroup var output: OutputOptions

    @Argument(help: ArgumentHelp("One read-only SQL statement.", valueName: "query"))
    var query: String

    func document(store: Store) throws -> Document {
        let result = try store.query(query)
        return Reports.document(columns: result.columns, rows: result.rows)
    }
}
