package io.tokenmeter.pricing.fx;

import io.tokenmeter.contracts.rating.FxRate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.time.LocalDate;
import java.util.List;

@Repository
class FxRateRepository {

    private final JdbcClient jdbc;
    private final FxSourcePolicy sources;

    FxRateRepository(JdbcClient jdbc, FxSourcePolicy sources) {
        this.jdbc = jdbc;
        this.sources = sources;
    }

    /** Adds the rate unless that source already published one for the pair and day; true when added. */
    boolean insert(FxRate rate, String createdBy) {
        return jdbc.sql("""
                        INSERT INTO fx_rate (base, quote, as_of, source, rate, created_by) VALUES (?, ?, ?, ?, ?, ?)
                        ON CONFLICT (base, quote, as_of, source) DO NOTHING""")
                        .params(rate.base(), rate.quote(), rate.asOf(), rate.source(), rate.rate(), createdBy)
                        .update()
                == 1;
    }

    /** The rates a conversion on {@code date} may use: published within the staleness bound before it. */
    FxRateTable tableFor(LocalDate date) {
        return new FxRateTable(find(null, null, date.minusDays(FxRateTable.MAX_AGE_DAYS), date), sources);
    }

    List<FxRate> find(String base, String quote, LocalDate from, LocalDate to) {
        return jdbc.sql("""
                        SELECT base, quote, rate, as_of, source FROM fx_rate
                        WHERE (CAST(:base AS text) IS NULL OR base = :base) AND (CAST(:quote AS text) IS NULL OR quote =
                            :quote)
                          AND as_of BETWEEN :from AND :to
                        ORDER BY as_of, base, quote, source""")
                .param("base", base)
                .param("quote", quote)
                .param("from", from)
                .param("to", to)
                .query((rs, i) -> new FxRate(
                        rs.getString("base"),
                        rs.getString("quote"),
                        rs.getBigDecimal("rate"),
                        rs.getDate("as_of").toLocalDate(),
                        rs.getString("source")))
                .list();
    }
}
