package io.tokenmeter.e2e;

import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real browser for the console's tests: Debian's {@code chromium} driven through its {@code chromidriver}, headless.
 * Where they are missing (a fresh CI machine) they are installed with apt-get first, as the brief's test setup
 * must; a machine where that cannot be done fails here with what to install, not somewhere later.
 */
final class ConsoleBrowser {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private ConsoleBrowser() {}

    /** Installs chromium and chromium-driver from Debian's packages unless both are there. */
    static synchronized void ensureInstalled(Path log) throws IOException, InterruptedException {
        if (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER)) {
            return;
        }
        List<String> sudo = "root".equals(System.getProperty("user.name")) ? List.of() : List.of("sudo", "-n");
        Files.createDirectories(log.getParent());
        for (List<String> step : List.of(
                List.of("apt-get", "update"),
                List.of("apt-get", "install", "-y", "--no-install-recommends", "chromium", "chromium-driver"))) {
            List<String> command = new ArrayList<>(sudo);
            command.addAll(step);
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException("could not install Debian's chromium and chromium-driver with "
                        + command + " (see " + log + "); install them and run again");
            }
        }
        if (!Files.isExecutable(CHROMEDRIVER)) {
            throw new IllegalStateException(CHROMEDRIVER + " is still missing after apt-get; see " + log);
        }
    }

    /** A headless Chromium of its own profile, sized like a laptop screen. */
    static WebDriver start(Path profile) throws IOException {
        Files.createDirectories(profile);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // the flags this machine needs: no sandbox as root, and nothing that calls out to Google's hosts
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1280,1000",
                "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(60));
        return driver;
    }

    /** Saves what the browser shows now as {@code <dir>/<name>.png}. */
    static Path screenshot(WebDriver driver, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path target = dir.resolve(name + ".png");
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }
}
