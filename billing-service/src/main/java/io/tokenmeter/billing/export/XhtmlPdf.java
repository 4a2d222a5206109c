package io.tokenmeter.billing.export;

import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;
import org.springframework.stereotype.Component;
import org.thymeleaf.TemplateEngine;
import org.thymeleaf.context.Context;
import org.thymeleaf.templatemode.TemplateMode;
import org.thymeleaf.templateresolver.ClassLoaderTemplateResolver;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;

/**
 * A PDF from an XHTML template under {@code templates/}, filled by Thymeleaf and rendered by openhtmltopdf (Apache
 * PDFBox). The base-14 PDF fonts are used: text outside Latin-1 would not show; embedding a font is still to do.
 */
@Component
public class XhtmlPdf {

    private final TemplateEngine templates;

    XhtmlPdf() {
        ClassLoaderTemplateResolver resolver = new ClassLoaderTemplateResolver();
        resolver.setPrefix("templates/");
        resolver.setSuffix(".xhtml");
        resolver.setTemplateMode(TemplateMode.XML); // well-formed output, as the renderer requires
        resolver.setCharacterEncoding("UTF-8");
        templates = new TemplateEngine();
        templates.setTemplateResolver(resolver);
    }

    /** The template {@code templates/<name>.xhtml} filled with {@code model}, as PDF bytes. */
    public byte[] render(String template, Map<String, Object> model) {
        String xhtml = templates.process(template, new Context(Locale.ROOT, model));
        try (ByteArrayOutputStream pdf = new ByteArrayOutputStream()) {
            new PdfRendererBuilder()
                    .withHtmlContent(xhtml, null)
                    .toStream(pdf)
                    .useFastMode()
                    .run();
            return pdf.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
