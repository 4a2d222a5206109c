package io.tokenmeter.pricing.pricebook;

import io.swagger.v3.oas.annotations.Operation;
import io.tokenmeter.contracts.identity.Caller;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.PriceBookRequest;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.PriceBookView;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.VersionRequest;
import io.tokenmeter.pricing.pricebook.PriceBookDtos.VersionView;
import io.tokenmeter.starter.access.Access;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import java.util.List;

/** Price books for admins (changes) and staff (reading); tenants read their prices through the rating API. */
@RestController
@RequestMapping("/api/v1/pricing/books")
class PriceBookController {

    private final PriceBookService service;

    PriceBookController(PriceBookService service) {
        this.service = service;
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a price book (admin)")
    PriceBookView create(Caller caller, @RequestBody PriceBookRequest request) {
        return service.create(Access.admin(caller), request);
    }

    @GetMapping
    @Operation(summary = "List price books (finance, admin)")
    List<PriceBookView> list(Caller caller) {
        staff(caller);
        return service.books();
    }

    @GetMapping("/{bookId}")
    PriceBookView get(Caller caller, @PathVariable String bookId) {
        staff(caller);
        return service.book(bookId);
    }

    @PostMapping("/{bookId}/versions")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Add a version, effective from a future instant (admin)")
    VersionView addVersion(Caller caller, @PathVariable String bookId, @RequestBody VersionRequest request) {
        return service.addVersion(Access.admin(caller), bookId, request);
    }

    @GetMapping("/{bookId}/versions")
    List<VersionView> versions(Caller caller, @PathVariable String bookId) {
        staff(caller);
        return service.versions(bookId);
    }

    @GetMapping("/{bookId}/versions/{version}")
    VersionView version(Caller caller, @PathVariable String bookId, @PathVariable int version) {
        staff(caller);
        return service.version(bookId, version);
    }

    @PutMapping("/{bookId}/versions/{version}")
    @Operation(summary = "Replace a version that has not taken effect yet (admin)")
    VersionView update(
            Caller caller,
            @PathVariable String bookId,
            @PathVariable int version,
            @RequestBody VersionRequest request) {
        return service.updateVersion(Access.admin(caller), bookId, version, request);
    }

    @DeleteMapping("/{bookId}/versions/{version}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    @Operation(summary = "Delete a version that has not taken effect yet (admin)")
    void delete(Caller caller, @PathVariable String bookId, @PathVariable int version) {
        service.deleteVersion(Access.admin(caller), bookId, version);
    }

    private static void staff(Caller caller) {
        Access.staff(caller, "price books are for finance and admins; tenants see their prices through the rating API");
    }
}
