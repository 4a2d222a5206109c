package io.tokenmeter.billing.invoice;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Gapless document numbers per issuer, series and year: {@code SG-2026-000123}, credit notes {@code SG-CN-2026-000007}.
 * The counter row stays locked by the calling transaction until it commits, so concurrent issuers queue on it
 * and a transaction that rolls back gives its number back: no gaps, no duplicates.
 */
@Component
class DocumentNumbers {

    enum Series {
        INVOICE(""),
        CREDIT_NOTE("CN-");

        private final String infix;

        Series(String infix) {
            this.infix = infix;
        }
    }

    private final JdbcClient jdbc;

    DocumentNumbers(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    String next(String issuerId, Series series, int year) {
        long number = jdbc.sql("""
                        INSERT INTO document_number (issuer_id, series, year, last) VALUES (:issuer, :series, :year, 1)
                        ON CONFLICT (issuer_id, series, year) DO UPDATE SET last = document_number.last + 1
                        RETURNING last""")
                .param("issuer", issuerId)
                .param("series", series.name().toLowerCase())
                .param("year", year)
                .query(Long.class)
                .single();
        return "%s-%s%d-%06d".formatted(issuerId, series.infix, year, number);
    }
}
