package io.tokenmeter.gateway.routing;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

import java.time.Duration;

/**
 * The live model catalog.
 *
 * @param refreshEvery   how often each instance checks the catalog's revision (one single-row read): a change made
 *                       through another instance takes effect here within this
 * @param credentialsKey 32 bytes, base64, that seal upstream credentials at rest
 *                       ({@code TOKENMETER_UPSTREAM_CREDENTIALS_KEY}); without it no credential can be stored
 */
@ConfigurationProperties("tokenmeter.gateway.catalog")
public record CatalogProperties(@DefaultValue("2s") Duration refreshEvery, String credentialsKey) {}
