package io.tokenmeter.pricing.fx;

import io.tokenmeter.contracts.rating.FxRate;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

import java.io.IOException;
import java.io.Reader;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;

/**
 * Reads the ECB's euro foreign exchange reference rates as finance teams download them
 * ({@code eurofxref.csv} / {@code eurofxref-hist.csv}): a {@code Date} column, then one column per currency
 * with the rate per 1 EUR, {@code N/A} where none was published, and a trailing empty column.
 */
public final class EcbCsv {

    public static final String SOURCE = "ECB euro reference rates";

    private EcbCsv() {}

    public static List<FxRate> parse(Reader csv) throws IOException {
        CSVFormat format = CSVFormat.DEFAULT
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .setAllowMissingColumnNames(true)
                .setIgnoreSurroundingSpaces(true)
                .setIgnoreEmptyLines(true)
                .setTrim(true)
                .get();
        List<FxRate> rates = new ArrayList<>();
        try (CSVParser parser = CSVParser.parse(csv, format)) {
            List<String> header = parser.getHeaderNames();
            if (header.isEmpty() || !header.getFirst().equalsIgnoreCase("Date")) {
                throw new IllegalArgumentException("not an ECB reference-rate CSV: the first column must be 'Date'");
            }
            for (String column : header.subList(1, header.size())) {
                if (!column.isEmpty()) {
                    currency(column, 1);
                }
            }
            for (CSVRecord record : parser) {
                long line = record.getRecordNumber() + 1;
                LocalDate date;
                try {
                    date = LocalDate.parse(record.get(0));
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException(
                            "line " + line + ": '" + record.get(0) + "' is not a date (YYYY-MM-DD)");
                }
                for (int i = 1; i < header.size() && i < record.size(); i++) {
                    String code = header.get(i);
                    String value = record.get(i);
                    if (code.isEmpty() || value.isEmpty() || value.equalsIgnoreCase("N/A")) {
                        continue;
                    }
                    BigDecimal rate;
                    try {
                        rate = new BigDecimal(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(
                                "line " + line + ", " + code + ": '" + value + "' is not a number");
                    }
                    if (rate.signum() <= 0) {
                        throw new IllegalArgumentException("line " + line + ", " + code + ": rate must be positive");
                    }
                    rates.add(new FxRate("EUR", currency(code, line).getCurrencyCode(), rate, date, SOURCE));
                }
            }
        }
        return rates;
    }

    private static Currency currency(String code, long line) {
        try {
            return Currency.getInstance(code);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("line " + line + ": unknown ISO 4217 currency column '" + code + "'");
        }
    }
}
