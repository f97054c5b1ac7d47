package dev.kretry.bench.spring;

import java.io.IOException;
import java.io.InputStream;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * With peer.exit-with-parent=true, exits when standard input reaches end-of-file: the harness
 * spawns the app with a stdin pipe, and the pipe closes when the harness is gone, even when it was
 * killed with SIGKILL and ran no handler. System.exit runs Spring's shutdown hook, so the
 * containers still stop in order. Off by default so that a hand-started app does not exit at once
 * when its stdin is /dev/null.
 */
@Component
public class ParentWatch {

	public ParentWatch(@Value("${peer.exit-with-parent}") boolean exitWithParent) {
		if (!exitWithParent) {
			return;
		}
		Thread watcher = new Thread(() -> {
			InputStream in = System.in;
			byte[] buffer = new byte[256];
			try {
				while (in.read(buffer) >= 0) {
					// the harness never writes; anything it does is ignored
				}
			}
			catch (IOException ex) {
				// a broken pipe means the same as end-of-file
			}
			System.exit(0);
		}, "peer-parent-watch");
		watcher.setDaemon(true);
		watcher.start();
	}

}
