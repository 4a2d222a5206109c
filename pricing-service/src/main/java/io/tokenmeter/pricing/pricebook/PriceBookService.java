package io.tokenmeter.pricing.pricebook;

import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.contracts.money.MinorUnits;
import io.tokenmeter.contracts.usage.EventIds;
import io.tokenmeter.pricing.PricingErrors;
import io.tokenmeter.pricing.invoiced.InvoicedPeriods;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.PriceBookRequest;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.PriceBookView;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.Purpose;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.VersionRequest;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.VersionView;
import io.tokenmeter.starter.audit.AdminAudit;
import io.tokenmeter.starter.web.ApiException;
import io.tokenmeter.starter.web.CommonErrors;
import io.tokenmeter.starter.web.InvalidField;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

/** Changes to price books; each one is validated whole, written in one transaction with its audit entry. */
@Service
public class PriceBookService {

    private final PriceBookRepository books;
    private final AdminAudit audit;
    private final Clock clock;
    private final InvoicedPeriods invoiced;

    PriceBookService(PriceBookRepository books, AdminAudit audit, InvoicedPeriods invoiced) {
        this.books = books;
        this.audit = audit;
        this.invoiced = invoiced;
        this.clock = Clock.systemUTC();
    }

    /** Whether a book of this id exists and sells to tenants: what a contract may point at. */
    public boolean isSellBook(String id) {
        return books.book(id)
                .filter(b -> b.purpose() == PriceBookDtos.Purpose.SELL)
                .isPresent();
    }

    @Transactional
    PriceBookView create(Caller admin, PriceBookRequest request) {
        if (request.name() == null || request.name().isBlank()) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_PRICE_BOOK,
                    List.of(InvalidField.body("/name", "required", "name is required")));
        }
        if (request.purpose() == null) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_PRICE_BOOK,
                    List.of(InvalidField.body("/purpose", "required", "purpose is required: sell or cost")));
        }
        try {
            MinorUnits.currency(request.currency());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(
                    PricingErrors.UNKNOWN_CURRENCY,
                    List.of(InvalidField.body("/currency", "iso-4217", e.getMessage())));
        }
        if (request.defaultBook()
                && books.books().stream().anyMatch(b -> b.isDefault() && b.purpose() == request.purpose())) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_PRICE_BOOK,
                    List.of(InvalidField.body(
                            "/default",
                            "unique",
                            "there is already a default "
                                    + request.purpose().name().toLowerCase() + " book")));
        }
        PriceBookView book = new PriceBookView(
                "pb_" + EventIds.newEventId(),
                request.name().strip(),
                request.currency(),
                request.purpose(),
                request.defaultBook(),
                clock.instant());
        books.insertBook(book, admin.keyId());
        audit.record(admin, "create", "price_book", book.id(), null, book);
        return book;
    }

    @Transactional
    VersionView addVersion(Caller admin, String bookId, VersionRequest request) {
        lock(bookId);
        validate(request, bookId, 0);
        int version = books.nextVersion(bookId);
        boolean backdated = !request.effectiveFrom().isAfter(clock.instant());
        if (backdated) {
            PriceBookView book = book(bookId);
            if (book.purpose() == Purpose.SELL) {
                invoiced.lock();
                invoiced.refuseOverInvoiced(
                        "version " + version + " of " + bookId,
                        request.effectiveFrom(),
                        book.isDefault() ? null : invoiced.tenantsOnBook(bookId));
            }
        }
        books.insertVersion(
                bookId,
                version,
                request.effectiveFrom(),
                request.content(),
                admin.keyId(),
                backdated ? request.backdateReason().strip() : null);
        VersionView created = books.version(bookId, version).orElseThrow();
        audit.record(
                admin,
                backdated ? "create_backdated" : "create",
                "price_book_version",
                bookId + "/" + version,
                null,
                created);
        return created;
    }

    @Transactional
    VersionView updateVersion(Caller admin, String bookId, int version, VersionRequest request) {
        lock(bookId);
        VersionView before = draft(bookId, version);
        validate(request, bookId, version);
        if (request.backdateReason() != null) {
            throw ApiException.invalid(
                    PricingErrors.INVALID_PRICE_BOOK,
                    List.of(InvalidField.body(
                            "/backdate_reason", "new-version-only", "only a new version may be back-dated")));
        }
        books.updateVersion(bookId, version, request.effectiveFrom(), request.content());
        VersionView after = books.version(bookId, version).orElseThrow();
        audit.record(admin, "update", "price_book_version", bookId + "/" + version, before, after);
        return after;
    }

    @Transactional
    void deleteVersion(Caller admin, String bookId, int version) {
        lock(bookId);
        VersionView before = draft(bookId, version);
        books.deleteVersion(bookId, version);
        audit.record(admin, "delete", "price_book_version", bookId + "/" + version, before, null);
    }

    List<PriceBookView> books() {
        return books.books();
    }

    PriceBookView book(String id) {
        return books.book(id).orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no price book " + id));
    }

    List<VersionView> versions(String bookId) {
        book(bookId);
        return books.versions(bookId);
    }

    VersionView version(String bookId, int version) {
        return books.version(bookId, version)
                .orElseThrow(() ->
                        new ApiException(CommonErrors.NOT_FOUND, "no version " + version + " of price book " + bookId));
    }

    private void lock(String bookId) {
        books.lockBook(bookId).orElseThrow(() -> new ApiException(CommonErrors.NOT_FOUND, "no price book " + bookId));
    }

    private VersionView draft(String bookId, int version) {
        VersionView existing = version(bookId, version);
        if (existing.inEffect()) {
            throw new ApiException(
                    PricingErrors.VERSION_IN_EFFECT,
                    "version " + version + " of " + bookId + " took effect at " + existing.effectiveFrom()
                            + "; history is never rewritten, add a new version instead");
        }
        return existing;
    }

    private void validate(VersionRequest request, String bookId, int version) {
        Instant now = clock.instant();
        List<InvalidField> problems =
                new java.util.ArrayList<>(PriceBookValidator.problems(request, now, version == 0));
        if (request.effectiveFrom() != null && books.effectiveFromTaken(bookId, request.effectiveFrom(), version)) {
            problems.add(InvalidField.body(
                    "/effective_from",
                    "unique",
                    "another version of this book already takes effect at " + request.effectiveFrom()));
        }
        if (!problems.isEmpty()) {
            throw ApiException.invalid(PricingErrors.INVALID_PRICE_BOOK, problems);
        }
    }
}
