// Waits until a Kafka broker answers real metadata requests, not just TCP connects:
// a broker whose port is open may still be fenced, or have no listener ready yet.
// Run by kafka.sh with the broker's own jars (kafka-clients) on the classpath:
//   java -cp "<classes>:<libs>/*" AwaitBroker <bootstrap> <timeoutSeconds>
// Exits 0 once describeCluster lists a broker and listTopics answers, 1 on timeout.
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

public class AwaitBroker {
    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(args[1]));
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "3000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "500");
        String lastError = "no attempt";
        try (Admin admin = Admin.create(props)) {
            while (System.nanoTime() < deadline) {
                try {
                    // Fenced or unregistered brokers are left out of the metadata's broker list.
                    int brokers = admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).size();
                    if (brokers > 0) {
                        admin.listTopics().names().get(5, TimeUnit.SECONDS);
                        System.exit(0);
                    }
                    lastError = "no broker in the cluster metadata yet";
                } catch (Exception e) {
                    lastError = String.valueOf(e.getCause() != null ? e.getCause() : e);
                }
                Thread.sleep(250);
            }
        }
        System.err.println("broker at " + bootstrap + " not ready: " + lastError);
        System.exit(1);
    }
}
