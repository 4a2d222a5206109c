package io.tokenmeter.pricing.pricebook;

import io.tokenmeter.pricing.pricebook.PriceBookDtos.PriceBookView;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.Purpose;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.VersionContent;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.VersionView;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import tools.jackson.databind.json.JsonMapper;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

@Repository
class PriceBookRepository {

    private final JdbcClient jdbc;
    private final JsonMapper json;

    PriceBookRepository(JdbcClient jdbc, JsonMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    void insertBook(PriceBookView book, String createdBy) {
        jdbc.sql(
                        "INSERT INTO price_book (id, name, currency, purpose, is_default, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .params(
                        book.id(),
                        book.name(),
                        book.currency(),
                        book.purpose().name(),
                        book.isDefault(),
                        Timestamp.from(book.createdAt()),
                        createdBy)
                .update();
    }

    List<PriceBookView> books() {
        return jdbc.sql("SELECT * FROM price_book ORDER BY created_at, id")
                .query(PriceBookRepository::book)
                .list();
    }

    /** The book, locked until the transaction ends: versions of one book are numbered one at a time. */
    Optional<PriceBookView> lockBook(String id) {
        return jdbc.sql("SELECT * FROM price_book WHERE id = ? FOR UPDATE")
                .param(id)
                .query(PriceBookRepository::book)
                .optional();
    }

    Optional<PriceBookView> book(String id) {
        return jdbc.sql("SELECT * FROM price_book WHERE id = ?")
                .param(id)
                .query(PriceBookRepository::book)
                .optional();
    }

    int nextVersion(String bookId) {
        return jdbc.sql("SELECT coalesce(max(version), 0) + 1 FROM price_book_version WHERE price_book_id = ?")
                .param(bookId)
                .query(Integer.class)
                .single();
    }

    boolean effectiveFromTaken(String bookId, Instant effectiveFrom, int exceptVersion) {
        return jdbc.sql(
                                "SELECT count(*) FROM price_book_version WHERE price_book_id = ? AND effective_from = ? AND version <> ?")
                        .params(bookId, Timestamp.from(effectiveFrom), exceptVersion)
                        .query(Integer.class)
                        .single()
                > 0;
    }

    void insertVersion(
            String bookId,
            int version,
            Instant effectiveFrom,
            VersionContent content,
            String createdBy,
            String backdateReason) {
        jdbc.sql("""
                        INSERT INTO price_book_version (price_book_id, version, effective_from, content, created_by,
                            backdate_reason) VALUES (?, ?, ?, ?::jsonb, ?, ?)""")
                .params(
                        bookId,
                        version,
                        Timestamp.from(effectiveFrom),
                        json.writeValueAsString(content),
                        createdBy,
                        backdateReason)
                .update();
    }

    void updateVersion(String bookId, int version, Instant effectiveFrom, VersionContent content) {
        jdbc.sql(
                        "UPDATE price_book_version SET effective_from = ?, content = ?::jsonb, updated_at = now() WHERE price_book_id = ? AND version = ?")
                .params(Timestamp.from(effectiveFrom), json.writeValueAsString(content), bookId, version)
                .update();
    }

    void deleteVersion(String bookId, int version) {
        jdbc.sql("DELETE FROM price_book_version WHERE price_book_id = ? AND version = ?")
                .params(bookId, version)
                .update();
    }

    List<VersionView> versions(String bookId) {
        return jdbc.sql(
                        "SELECT *, effective_from <= now() AS in_effect FROM price_book_version WHERE price_book_id = ? ORDER BY version")
                .param(bookId)
                .query(this::version)
                .list();
    }

    Optional<VersionView> version(String bookId, int version) {
        return jdbc.sql(
                        "SELECT *, effective_from <= now() AS in_effect FROM price_book_version WHERE price_book_id = ? AND version = ?")
                .params(bookId, version)
                .query(this::version)
                .optional();
    }

    private static PriceBookView book(ResultSet rs, int i) throws SQLException {
        return new PriceBookView(
                rs.getString("id"),
                rs.getString("name"),
                rs.getString("currency"),
                Purpose.valueOf(rs.getString("purpose")),
                rs.getBoolean("is_default"),
                rs.getTimestamp("created_at").toInstant());
    }

    private VersionView version(ResultSet rs, int i) throws SQLException {
        VersionContent content = json.readValue(rs.getString("content"), VersionContent.class);
        return new VersionView(
                rs.getString("price_book_id"),
                rs.getInt("version"),
                rs.getTimestamp("effective_from").toInstant(),
                rs.getBoolean("in_effect"),
                content.offPeak(),
                content.rates(),
                content.note(),
                rs.getTimestamp("created_at").toInstant(),
                rs.getString("created_by"),
                rs.getString("backdate_reason"));
    }
}
